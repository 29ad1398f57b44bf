//! The console against the sandbox's real API server (see `registry-console-sandbox`).

mod support;

#[tokio::test(flavor = "multi_thread")]
async fn readyz_is_ready_against_the_real_api_server_and_counts_its_calls() {
    let sandbox = registry_console_sandbox::harness::shared();
    let dir = tempfile::tempdir().expect("temp dir");
    let base = support::start_console(vec![
        "--data-dir".into(),
        dir.path().display().to_string(),
        "--kubeconfig".into(),
        sandbox.kubeconfig.display().to_string(),
        // Its Lease requests would add to the counts below.
        "--audit-record-outside-changes=false".into(),
    ])
    .await;

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
