//! One sandbox per test process, for integration tests.
//!
//! The first test that asks starts it on a dedicated thread with its own runtime; that
//! thread lives as long as the process, so the children's parent-death signal fires only
//! when the test process ends, however it ends (success, panic, or being killed).

use crate::sandbox::{Info, Options, Sandbox};
use std::sync::OnceLock;

static SHARED: OnceLock<Result<Info, String>> = OnceLock::new();

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
                    let options = Options::for_checkout(dir, "http://127.0.0.1:8080".to_string());
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
