//! A real PostgreSQL server for tests and `./dev run --postgres`: Debian's `postgresql`
//! binaries, a data directory of its own, a free port on 127.0.0.1, and stopped by PID
//! (SIGTERM, then SIGKILL) when dropped, or by the parent-death signal however the process
//! that started it ends.
//!
//! `initdb` and `postgres` refuse to run as root, so as root they run as Debian's
//! `postgres` user, with the data directory in the system's temporary directory (a test's
//! own temporary directory is private to root).

use crate::processes::{Child, free_port, wait_for_line};
use crate::{Error, Result};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Postgres {
    server: Option<Child>,
    bin: PathBuf,
    data: PathBuf,
    user: Option<(u32, u32)>,
    log: PathBuf,
    pub port: u16,
}

/// The newest `/usr/lib/postgresql/<version>/bin` (Debian's layout).
fn bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| {
            Error::Setup(format!(
                "PostgreSQL is not installed (/usr/lib/postgresql: {e}); `./dev deps` installs Debian's postgresql"
            ))
        })?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| Error::Setup("no PostgreSQL version in /usr/lib/postgresql".into()))
}

/// Debian's `postgres` user (uid, gid), when running as root.
fn server_user() -> Result<Option<(u32, u32)>> {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        return Ok(None);
    }
    let name = std::ffi::CString::new("postgres").map_err(|e| Error::Setup(e.to_string()))?;
    // SAFETY: getpwnam with a valid C string; the result is read at once, before any other
    // call that could reuse its static buffer.
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    if entry.is_null() {
        return Err(Error::Setup(
            "running as root, and there is no `postgres` user to run PostgreSQL as".into(),
        ));
    }
    // SAFETY: non-null pointer returned by getpwnam.
    let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
    Ok(Some((uid, gid)))
}

fn as_user(command: &mut Command, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        command.uid(uid).gid(gid);
    }
}

impl Postgres {
    /// initdb in `dir` (or, as root, a fresh directory in the system's temporary directory,
    /// named after `dir`'s last part) and starts the server on a free port.
    pub fn start(dir: &Path) -> Result<Postgres> {
        let bin = bin_dir()?;
        let user = server_user()?;
        std::fs::create_dir_all(dir)?;
        let data = match user {
            None => dir.join("pgdata"),
            Some((uid, gid)) => {
                remove_stale_data_dirs();
                let name = dir
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("postgres");
                let data = std::env::temp_dir().join(format!(
                    "{DATA_DIR_PREFIX}{name}-{}-{}",
                    std::process::id(),
                    rand::random::<u32>()
                ));
                std::fs::create_dir_all(&data)?;
                std::os::unix::fs::chown(&data, Some(uid), Some(gid))?;
                data
            }
        };
        let log = dir.join("postgres.log");
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .args(["--auth=trust", "--username=postgres", "--encoding=UTF8"])
            .args(["--locale=C.UTF-8", "--no-instructions", "-D"])
            .arg(&data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        as_user(&mut initdb, user);
        let output = initdb
            .output()
            .map_err(|e| Error::Setup(format!("cannot run initdb: {e}")))?;
        if !output.status.success() {
            return Err(Error::Setup(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let mut postgres = Postgres {
            server: None,
            bin,
            data,
            user,
            log,
            port: free_port()?,
        };
        postgres.resume()?;
        Ok(postgres)
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates `database` and returns its URL (each test its own database on one server).
    pub fn create_database(&self, database: &str) -> Result<String> {
        let status = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args(["-c", &format!("CREATE DATABASE \"{database}\"")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .map_err(|e| Error::Setup(format!("cannot run psql: {e}")))?;
        if !status.success() {
            return Err(Error::Setup(format!("cannot create database {database}")));
        }
        Ok(self.url(database))
    }

    /// Stops the server, as an outage in the middle of a test: SIGINT, PostgreSQL's fast
    /// shutdown (SIGTERM would wait for every client to disconnect).
    pub fn pause(&mut self) {
        if let Some(mut server) = self.server.take() {
            server.signal(libc::SIGINT);
            server.stop(Duration::from_secs(15));
        }
    }

    /// Starts the server again on the same port and data.
    pub fn resume(&mut self) -> Result<()> {
        if self.server.is_some() {
            return Ok(());
        }
        let mut command = Command::new(self.bin.join("postgres"));
        command
            .arg("-D")
            .arg(&self.data)
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            // TCP only: no socket file in a directory the server user may not write.
            .args(["-c", "unix_socket_directories="])
            .args(["-c", "max_connections=200"]);
        as_user(&mut command, self.user);
        let (mut child, lines) = Child::spawn("postgres", command, &self.log)?;
        wait_for_line(
            &mut child,
            &lines,
            "database system is ready to accept connections",
            Duration::from_secs(60),
        )?;
        self.server = Some(child);
        Ok(())
    }

    pub fn pid(&self) -> Option<u32> {
        self.server.as_ref().map(Child::id)
    }
}

const DATA_DIR_PREFIX: &str = "registry-console-pg-";

/// Removes the data directories (`<prefix><name>-<pid>-<random>`) of processes that have
/// ended: a test process exits without dropping its shared server.
fn remove_stale_data_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.starts_with(DATA_DIR_PREFIX))
            .and_then(|n| n.rsplit('-').nth(1))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.pause();
        if self.user.is_some() {
            let _ = std::fs::remove_dir_all(&self.data);
        }
    }
}
