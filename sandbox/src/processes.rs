//! Child processes of the sandbox (the OIDC provider and the control plane scripts).
//!
//! Children get SIGTERM when the thread that started them ends (`PR_SET_PDEATHSIG`), so a
//! test run that panics or is killed leaves no server behind on a port; dropping a
//! [`Child`] stops it explicitly, by PID, and waits for it.

use crate::{Error, Result};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Child {
    name: &'static str,
    child: std::process::Child,
}

impl Child {
    /// Starts `command` with its output appended to `log`; each line is also offered to
    /// `watch` (for readiness lines).
    pub fn spawn(
        name: &'static str,
        mut command: Command,
        log: &Path,
    ) -> Result<(Child, mpsc::Receiver<String>)> {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| Error::Setup(format!("cannot start {name}: {e}")))?;
        let (lines_tx, lines_rx) = mpsc::channel();
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tx = lines_tx.clone();
            let mut file = log_file.try_clone()?;
            std::thread::spawn(move || {
                for line in BufReader::new(stream)
                    .lines()
                    .map_while(std::result::Result::ok)
                {
                    let _ = writeln!(file, "{line}");
                    let _ = tx.send(line);
                }
            });
        }
        Ok((Child { name, child }, lines_rx))
    }

    /// Whether the process has exited (with its status).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. a server's own shutdown signal before [`Self::stop`]).
    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: plain kill(2) on our own child's PID.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, signal);
        }
    }

    /// SIGTERM, then SIGKILL after `grace`.
    pub fn stop(&mut self, grace: Duration) {
        if self.exited().is_some() {
            return;
        }
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: plain kill(2) on our own child's PID.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        tracing::warn!(name = self.name, "did not stop after SIGTERM; killing");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(15));
    }
}

/// Waits for a line containing `needle`, failing early if the process exits.
pub fn wait_for_line(
    child: &mut Child,
    lines: &mpsc::Receiver<String>,
    needle: &str,
    timeout: Duration,
) -> Result<String> {
    let deadline = Instant::now() + timeout;
    loop {
        match lines.recv_timeout(Duration::from_millis(200)) {
            Ok(line) if line.contains(needle) => return Ok(line),
            Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {}
        }
        if let Some(status) = child.exited() {
            return Err(Error::Setup(format!(
                "{} exited ({status}) before it was ready",
                child.name
            )));
        }
        if Instant::now() > deadline {
            return Err(Error::Setup(format!(
                "{} not ready within {} s",
                child.name,
                timeout.as_secs()
            )));
        }
    }
}

/// A free TCP port on 127.0.0.1 (free now; good enough for a test instance).
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
