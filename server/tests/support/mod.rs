//! Starting the console in-process for HTTP tests.

use registry_console::config;
use std::ffi::OsString;

/// Serves the console configured by `args` (as on the command line, without the program
/// name) on a free port of 127.0.0.1; returns its base URL.
pub async fn start_console(args: Vec<String>) -> String {
    let argv = std::iter::once("registry-console".to_string()).chain(args);
    let (_, loaded) = config::load(argv.map(OsString::from), Vec::new()).expect("config");
    let state = registry_console::build_state(loaded.config)
        .await
        .expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(
            listener,
            registry_console::router(state)
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    base
}
