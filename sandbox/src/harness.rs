//! One sandbox per test process, for integration tests.
//!
//! The first test that asks starts it on a dedicated thread with its own runtime; that
//! thread lives as long as the process, so the children's parent-death signal fires only
//! when the test process ends, however it ends (success, panic, or being killed).

use crate::sandbox::{Info, Options, Sandbox};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

static SHARED: OnceLock<Result<Info, String>> = OnceLock::new();

/// How many consoles one test process may start against the shared sandbox: the provider
/// only redirects to callback URLs registered when it starts, so their ports are reserved
/// up front.
const CONSOLE_PORTS: usize = 24;
static PORTS: OnceLock<Vec<u16>> = OnceLock::new();
static NEXT_PORT: AtomicUsize = AtomicUsize::new(0);

fn reserved_ports() -> &'static [u16] {
    PORTS.get_or_init(|| {
        // Hold all listeners at once so the ports differ, then release them for the consoles.
        let listeners: Vec<std::net::TcpListener> = (0..CONSOLE_PORTS)
            .filter_map(|_| std::net::TcpListener::bind("127.0.0.1:0").ok())
            .collect();
        listeners
            .iter()
            .filter_map(|l| l.local_addr().ok().map(|a| a.port()))
            .collect()
    })
}

/// A port of 127.0.0.1 whose `/auth/callback` and `/signed-out` are registered at the
/// shared sandbox's OIDC provider; each call returns a different one.
pub fn console_port() -> u16 {
    let ports = reserved_ports();
    let next = NEXT_PORT.fetch_add(1, Ordering::SeqCst);
    match ports.get(next) {
        Some(port) => *port,
        None => {
            panic!("more than {CONSOLE_PORTS} consoles in one test process; raise CONSOLE_PORTS")
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
                    let dir = std::env::temp_dir()
                        .join(format!("registry-console-sandbox-{}", std::process::id()));
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
