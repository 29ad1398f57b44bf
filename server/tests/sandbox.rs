//! The console against the sandbox's real API server (see `registry-console-sandbox`).

use registry_console::config;
use std::ffi::OsString;

#[tokio::test(flavor = "multi_thread")]
async fn readyz_is_ready_against_the_real_api_server_and_counts_its_calls() {
    let sandbox = registry_console_sandbox::harness::shared();
    let dir = tempfile::tempdir().expect("temp dir");
    let args = [
        "registry-console".to_string(),
        "--data-dir".into(),
        dir.path().display().to_string(),
        "--kubeconfig".into(),
        sandbox.kubeconfig.display().to_string(),
    ];
    let (_, loaded) =
        config::load(args.into_iter().map(OsString::from), Vec::new()).expect("config");
    let state = registry_console::build_state(loaded.config)
        .await
        .expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(listener, registry_console::router(state))
            .await
            .expect("serve");
    });

    let response = reqwest::get(format!("{base}/readyz")).await.expect("get");
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);

    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(
            r#"registry_console_kubernetes_requests_total{verb="get",outcome="success"} 1"#
        ),
        "{metrics}"
    );
}
