//! One sandbox per test process, for integration tests.
//!
//! The first test that asks starts it on a dedicated thread with its own runtime; that
//! thread lives as long as the process, so the children's parent-death signal fires only
//! when the test process ends, however it ends (success, panic, or being killed).

use crate::sandbox::{Info, Options, Sandbox};
use std::sync::{Mutex, OnceLock};

static SHARED: OnceLock<Result<Info, String>> = OnceLock::new();

/// How many consoles one test process may start against the shared sandbox: the provider
/// only redirects to callback URLs registered when it starts, so their ports are reserved
/// up front.
const CONSOLE_PORTS: usize = 40;

/// The reserved listeners, bound until a console takes one: a port released early could be
/// taken meanwhile as the local port of any outgoing connection (the same ephemeral range),
/// and the console's bind would then fail.
struct Reserved {
    ports: Vec<u16>,
    unused: Mutex<Vec<std::net::TcpListener>>,
}

fn reserved() -> &'static Reserved {
    static RESERVED: OnceLock<Reserved> = OnceLock::new();
    RESERVED.get_or_init(|| {
        let mut listeners: Vec<std::net::TcpListener> = (0..CONSOLE_PORTS)
            .filter_map(|_| std::net::TcpListener::bind("127.0.0.1:0").ok())
            .collect();
        let ports = listeners
            .iter()
            .filter_map(|l| l.local_addr().ok().map(|a| a.port()))
            .collect();
        // Handed out first to last.
        listeners.reverse();
        Reserved {
            ports,
            unused: Mutex::new(listeners),
        }
    })
}

fn reserved_ports() -> &'static [u16] {
    &reserved().ports
}

/// A listener on a port of 127.0.0.1 whose `/auth/callback` and `/signed-out` are
/// registered at the shared sandbox's OIDC provider; each call returns a different one.
pub fn console_listener() -> std::net::TcpListener {
    let next = reserved().unused.lock().ok().and_then(|mut l| l.pop());
    match next {
        Some(listener) => listener,
        None => {
            panic!("more than {CONSOLE_PORTS} consoles in one test process; raise CONSOLE_PORTS")
        }
    }
}

/// Test processes keep their sandbox in `<temp>/registry-console-sandbox-<pid>`.
const DIR_PREFIX: &str = "registry-console-sandbox-";

/// Removes the sandbox directories of test processes that are no longer running.
fn remove_stale_dirs(temp: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The shared sandbox, started on first use. Panics with the reason if it cannot start.
pub fn shared() -> &'static Info {
    let result = SHARED.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("sandbox".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Runtime::new() {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = tx.send(Err(format!("runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    // The process exits without dropping this sandbox, so its directory
                    // stays behind; those of processes that have ended go here.
                    remove_stale_dirs(&std::env::temp_dir());
                    let dir =
                        std::env::temp_dir().join(format!("{DIR_PREFIX}{}", std::process::id()));
                    let _ = std::fs::remove_dir_all(&dir);
                    let urls = reserved_ports()
                        .iter()
                        .map(|port| format!("http://127.0.0.1:{port}"))
                        .collect();
                    let options = Options::for_checkout(dir, urls);
                    match Sandbox::start(options).await {
                        Ok(sandbox) => {
                            let _ = tx.send(Ok(sandbox.info.clone()));
                            // Keep it (and this thread) alive until the process exits.
                            std::future::pending::<()>().await;
                            drop(sandbox);
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                        }
                    }
                });
            });
        match spawned {
            Ok(_) => rx
                .recv()
                .unwrap_or_else(|_| Err("the sandbox thread ended".into())),
            Err(e) => Err(format!("cannot start the sandbox thread: {e}")),
        }
    });
    match result {
        Ok(info) => info,
        Err(e) => panic!("sandbox did not start: {e}"),
    }
}

/// One PostgreSQL server per test process, started on first use on a dedicated thread that
/// lives as long as the process (as the sandbox above); each test makes its own database
/// with [`postgres_database`].
fn shared_postgres() -> &'static Result<crate::postgres::Postgres, String> {
    static POSTGRES: OnceLock<Result<crate::postgres::Postgres, String>> = OnceLock::new();
    POSTGRES.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("postgres".into())
            .spawn(move || {
                let dir = std::env::temp_dir()
                    .join(format!("registry-console-postgres-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&dir);
                let _ = tx.send(crate::postgres::Postgres::start(&dir).map_err(|e| e.to_string()));
                // The server's parent-death signal is tied to this thread: keep it.
                loop {
                    std::thread::park();
                }
            });
        match spawned {
            Ok(_) => rx
                .recv()
                .unwrap_or_else(|_| Err("the postgres thread ended".into())),
            Err(e) => Err(format!("cannot start the postgres thread: {e}")),
        }
    })
}

/// A new, empty database on the test process's PostgreSQL server: its URL. Panics with the
/// reason if the server cannot start.
pub fn postgres_database(name: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let server = match shared_postgres() {
        Ok(server) => server,
        Err(e) => panic!("PostgreSQL did not start: {e}"),
    };
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match server.create_database(&format!("{name}_{n}")) {
        Ok(url) => url,
        Err(e) => panic!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_directories_of_ended_processes_are_removed() {
        let temp = tempfile::tempdir().expect("temp");
        let mine = temp
            .path()
            .join(format!("{DIR_PREFIX}{}", std::process::id()));
        // Above the kernel's largest pid, so no such process exists.
        let ended = temp.path().join(format!("{DIR_PREFIX}4294967"));
        let other = temp.path().join("someone-else");
        for dir in [&mine, &ended, &other] {
            std::fs::create_dir_all(dir.join("cluster")).expect("mkdir");
        }
        remove_stale_dirs(temp.path());
        assert!(mine.exists() && other.exists());
        assert!(!ended.exists());
    }
}
