//! A hung API server (stopped with SIGSTOP: it still accepts connections, but never answers)
//! must not hang the console: pages and server functions answer within the request
//! deadline, naming the call that timed out, and the console works again once the API
//! server does. Its own test binary: it stops the sandbox this process shares.

mod support;

use std::time::{Duration, Instant};
use support::{sign_in, start_sandbox_console};

/// The sandbox's kube-apiserver process (its command line names the sandbox's files).
fn apiserver_pid(sandbox_dir: &std::path::Path) -> i32 {
    let dir = sandbox_dir.display().to_string();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let program = cmdline.split(' ').next().unwrap_or_default();
        if program.ends_with("kube-apiserver") && cmdline.contains(&dir) {
            return pid;
        }
    }
    panic!("no kube-apiserver process of the sandbox in {dir}");
}

/// Stops a process until dropped (then it continues, even if the test fails).
struct Stopped(i32);

impl Stopped {
    fn new(pid: i32) -> Self {
        // SAFETY: sending a signal to a process of this test's own sandbox.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0, "SIGSTOP");
        Stopped(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe { libc::kill(self.0, libc::SIGCONT) };
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_api_server_gets_a_clear_answer_within_the_deadline() {
    let console = start_sandbox_console(&["--kube-request-timeout", "2s"]).await;
    let (browser, _) = sign_in(&console, "admin", "/configuration").await;
    let page = browser
        .get(format!("{}/configuration", console.base))
        .send()
        .await
        .expect("page");
    assert_eq!(
        page.status(),
        200,
        "the API server answers before it is stopped"
    );
    let html = page.text().await.expect("html");
    let csrf = support::csrf_token(&html);

    let stopped = Stopped::new(apiserver_pid(&console.sandbox.dir));
    let started = Instant::now();
    let page = tokio::time::timeout(
        Duration::from_secs(30),
        browser
            .get(format!("{}/configuration", console.base))
            .send(),
    )
    .await
    .expect("the page answers instead of hanging")
    .expect("page");
    let status = page.status();
    let html = page.text().await.expect("html");
    let took = started.elapsed();
    assert_eq!(status, 503, "{html}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(
        html.contains(
            "the Kubernetes API server did not answer GET /apis/imageregistry.operator.openshift.io/v1/configs/cluster within 2s"
        ),
        "names the call that timed out: {html}"
    );

    // A server function: the same, as the typed error the page shows.
    let started = Instant::now();
    let response = browser
        .post(format!("{}/api/registry_config", console.base))
        .header("origin", &console.base)
        .header("x-csrf-token", &csrf)
        .form(&[("x", "")])
        .send()
        .await
        .expect("server function");
    assert_eq!(response.status(), 503);
    let error: serde_json::Value = response.json().await.expect("json");
    assert!(
        error["Unavailable"]
            .as_str()
            .is_some_and(|m| m.contains("did not answer") && m.contains("within 2s")),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    // Back: the console works again without a restart.
    drop(stopped);
    let mut answered = false;
    for _ in 0..20 {
        let page = browser
            .get(format!("{}/configuration", console.base))
            .send()
            .await
            .expect("page");
        if page.status() == 200 {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(answered, "the console recovers when the API server does");
}
