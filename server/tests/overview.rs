//! The Overview and Logs pages against a real console and the sandbox: every part as the
//! admin and the viewer, a part the user's RBAC denies says why and never shows the shared
//! cache's copy, live changes reach an open stream, a followed log gets new lines, and the
//! registry's metrics come through the API server's service proxy for users with
//! `prometheus-scraper` only.

mod support;

use app::domain::logs::LogsView;
use app::domain::overview::{OverviewView, PanelProblem};
use futures::StreamExt;
use kube::api::{Patch, PatchParams};
use serde_json::json;
use std::time::Duration;
use support::{Browser, SandboxConsole, admin_kube, configs, eventually, start_sandbox_console};

/// Tests that need the registry running share it; a test that stops it holds it alone.
static RUNNING: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// The registry running (emptyDir, one replica), so it has pods, logs and metrics.
async fn running_registry(kube: &kube::Client) {
    let patch = json!({ "spec": { "managementState": "Managed", "replicas": 1,
        "storage": { "emptyDir": {}, "pvc": null, "s3": null, "gcs": null, "azure": null, "swift": null } } });
    configs(kube.clone())
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("running registry");
}

async fn overview(user: &Browser, console: &SandboxConsole) -> OverviewView {
    let (status, body, text) = user.call(console, "overview", &[]).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_value(body).expect("OverviewView")
}

async fn page(user: &Browser, console: &SandboxConsole, path: &str) -> String {
    let response = user
        .client
        .get(format!("{}{path}", console.base))
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("html")
}

/// The first running registry pod, once the sandbox operator has one.
async fn registry_pod(user: &Browser, console: &SandboxConsole) -> String {
    eventually("a running registry pod", async || {
        overview(user, console)
            .await
            .pods
            .ok()?
            .into_iter()
            .find(|p| p.phase == "Running" && p.name.starts_with("image-registry-"))
            .map(|p| p.name)
    })
    .await
}

/// Reads server-sent events from `path` until `wanted` (an event name) arrives; returns
/// its data.
async fn next_event(
    user: &Browser,
    console: &SandboxConsole,
    path: &str,
    wanted: &str,
    during: impl AsyncFnOnce(),
) -> String {
    let response = user
        .client
        .get(format!("{}{path}", console.base))
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), 200, "{path}");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/event-stream")
    );
    let mut body = response.bytes_stream();
    let mut text = String::new();
    // The stream is open: now make something happen.
    let first = body.next().await.expect("first bytes").expect("bytes");
    text.push_str(&String::from_utf8_lossy(&first));
    during().await;
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(event) = text
                .split("\n\n")
                .find(|e| e.lines().any(|l| l == format!("event: {wanted}")))
            {
                return event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            let chunk = body.next().await.expect("stream ended").expect("bytes");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("no `{wanted}` event from {path}; got {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_and_viewers_see_every_part_or_why_not() {
    let kube = admin_kube().await;
    let _running = RUNNING.read().await;
    running_registry(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/").await;
    let pod = registry_pod(&admin, &console).await;

    let view = overview(&admin, &console).await;
    let operator = view.operator.expect("operator conditions");
    assert!(
        operator.iter().any(|c| c.kind == "Available"),
        "{operator:?}"
    );
    let registry = view.registry.expect("registry summary");
    assert_eq!(registry.management_state, "Managed");
    assert_eq!(registry.storage.kind.as_deref(), Some("emptyDir"));
    let deployment = view.deployment.expect("deployment").expect("exists");
    assert_eq!(deployment.desired, 1);
    assert!(view.claims.is_ok() && view.events.is_ok() && view.routes.is_ok());
    assert!(view.pruner.expect("pruner").is_some());

    let html = page(&admin, &console, "/").await;
    for part in [
        "data-panel=\"operator-heading\"",
        "data-headline=",
        "data-tile=\"pruner\"",
        "data-panel=\"registry\"",
        "data-panel=\"workload\"",
        "data-panel=\"metrics-heading\"",
    ] {
        assert!(html.contains(part), "{part}");
    }
    assert!(html.contains(&format!("data-pod=\"{pod}\"")));
    assert!(
        html.split('"')
            .any(|part| part.starts_with("/assets/") && part.ends_with("/live.js")),
        "the live script"
    );
    // The Config's httpSecret (the registry's secret, filled by the operator) is in the
    // object the cache holds; it never reaches the page or the server function's answer.
    let secret = support::config_now(&kube).await["spec"]["httpSecret"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(secret.len() > 8, "the operator set an httpSecret");
    let (_, _, json) = admin.call(&console, "overview", &[]).await;
    assert!(
        !html.contains(&secret) && !json.contains(&secret),
        "httpSecret leaked"
    );
    assert!(
        !html.contains("registry_console.js"),
        "no WASM bundle on the Overview"
    );
    assert!(
        !html.contains("[missing translation]"),
        "every message is in the catalogue"
    );

    // The viewer reads everything but the metrics (no prometheus-scraper), and is told
    // which role grants them.
    let viewer = Browser::open(&console, "viewer", "/").await;
    let view = overview(&viewer, &console).await;
    assert!(view.operator.is_ok() && view.registry.is_ok() && view.pods.is_ok());
    match view.metrics {
        Err(PanelProblem::Forbidden { permission, .. }) => {
            assert_eq!(permission, "get on registry/metrics.image.openshift.io")
        }
        other => panic!("viewer metrics: {other:?}"),
    }
    let html = page(&viewer, &console, "/").await;
    assert!(
        html.contains("prometheus-scraper"),
        "the page names the role"
    );
    let japanese = viewer
        .client
        .get(format!("{}/", console.base))
        .header("accept-language", "ja")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(japanese.contains("Operator の状態"), "Japanese page");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_part_the_users_rbac_denies_says_why_and_never_shows_the_shared_copy() {
    let kube = admin_kube().await;
    let _running = RUNNING.read().await;
    running_registry(&kube).await;
    // projectadmin may open the console's pages but has no access to the registry's
    // namespace in the cluster.
    let console =
        start_sandbox_console(&["--oidc-viewer-groups", "registry-viewers,project-admins"]).await;
    let admin = Browser::open(&console, "admin", "/").await;
    let pod = registry_pod(&admin, &console).await;

    let outsider = Browser::open(&console, "projectadmin", "/").await;
    let view = overview(&outsider, &console).await;
    match &view.pods {
        Err(PanelProblem::Forbidden { permission, .. }) => {
            assert_eq!(
                permission,
                "list on pods in namespace openshift-image-registry"
            )
        }
        other => panic!("pods: {other:?}"),
    }
    for (name, denied) in [
        ("events", view.events.is_err()),
        ("claims", view.claims.is_err()),
        ("routes", view.routes.is_err()),
        ("deployment", view.deployment.is_err()),
    ] {
        assert!(denied, "{name} is served to a user who may not list it");
    }
    let html = page(&outsider, &console, "/").await;
    assert!(
        !html.contains(&pod),
        "a pod name leaked from the shared cache"
    );
    assert!(html.contains("data-panel-problem=\"forbidden\""));
    assert!(html.contains("oc adm policy add-role-to-user view"));

    // The Logs page and its endpoints refuse them too, naming the role.
    let (status, body, text) = outsider
        .call(&console, "logs", &[("query[tail]", "500".into())])
        .await;
    assert_eq!(status, 200, "{text}");
    let logs: LogsView = serde_json::from_value(body).expect("LogsView");
    assert!(
        matches!(logs.lines, Err(PanelProblem::Forbidden { .. })),
        "{:?}",
        logs.lines
    );
    let html = page(&outsider, &console, &format!("/logs?pod={pod}")).await;
    assert!(
        html.contains("get on pods/log in namespace openshift-image-registry"),
        "names the permission"
    );
    assert!(!html.contains("listening on "), "no log line");
    let download = outsider
        .client
        .get(format!("{}/logs/download?pod={pod}&all=1", console.base))
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_reach_an_open_live_stream() {
    let kube = admin_kube().await;
    let _running = RUNNING.read().await;
    running_registry(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let viewer = Browser::open(&console, "viewer", "/").await;
    eventually("the caches to sync", async || {
        overview(&viewer, &console).await.registry.ok()
    })
    .await;
    let kube2 = kube.clone();
    next_event(&viewer, &console, "/live/overview", "changed", async move || {
        configs(kube2)
            .patch(
                "cluster",
                &PatchParams::default(),
                &Patch::Merge(json!({ "metadata": { "annotations": { "overview-test": format!("{:?}", std::time::SystemTime::now()) } } })),
            )
            .await
            .expect("change");
    })
    .await;
    // An auditor has no Overview, and no stream either.
    let auditor = Browser::open(&console, "auditor", "/audit").await;
    let refused = auditor
        .client
        .get(format!("{}/live/overview", console.base))
        .send()
        .await
        .expect("stream");
    assert_eq!(refused.status(), 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_show_tail_and_follow_new_lines() {
    let kube = admin_kube().await;
    let _running = RUNNING.read().await;
    running_registry(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let viewer = Browser::open(&console, "viewer", "/logs").await;
    let pod = registry_pod(&viewer, &console).await;

    let html = page(
        &viewer,
        &console,
        &format!("/logs?pod={pod}&tail=100&filter=listening"),
    )
    .await;
    assert!(html.contains("<mark>listening"), "the filter highlights");
    assert!(html.contains("data-log-follow"), "the follow button");

    let (status, body, text) = viewer
        .call(
            &console,
            "logs",
            &[("query[pod]", pod.clone()), ("query[tail]", "100".into())],
        )
        .await;
    assert_eq!(status, 200, "{text}");
    let logs: LogsView = serde_json::from_value(body).expect("LogsView");
    let lines = logs.lines.expect("lines");
    let last = lines.last().expect("a line").at.clone();
    assert!(!last.is_empty(), "lines carry their timestamps");

    // Following from the last line shown brings only newer lines.
    let data = next_event(
        &viewer,
        &console,
        &format!("/logs/follow?pod={pod}&after={}", urlencode(&last)),
        "line",
        async || {},
    )
    .await;
    let line: app::domain::logs::LogLine = serde_json::from_str(&data).expect("line");
    assert!(line.at > last, "{} after {last}", line.at);

    // Downloads: the whole log as a file.
    let download = viewer
        .client
        .get(format!("{}/logs/download?pod={pod}&all=1", console.base))
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200);
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap_or_default()
            .contains(&format!("{pod}.log"))
    );
    assert!(
        download
            .text()
            .await
            .expect("text")
            .contains("listening on ")
    );

    // A tail that is not a choice is refused naming the field.
    let refused = viewer
        .client
        .get(format!("{}/logs/download?pod={pod}&tail=7", console.base))
        .send()
        .await
        .expect("download");
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.expect("text").starts_with("tail: `7`"));
}

fn urlencode(value: &str) -> String {
    value.replace(':', "%3A").replace('+', "%2B")
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_come_through_the_service_proxy_for_prometheus_scrapers_only() {
    let kube = admin_kube().await;
    let _running = RUNNING.read().await;
    running_registry(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/").await;
    registry_pod(&admin, &console).await;
    let metrics = eventually("metrics through the proxy", async || {
        let m = overview(&admin, &console).await.metrics;
        m.ok()
    })
    .await;
    assert!(metrics.samples >= 1);
    // The running registry's own version (from its build info), whatever it is.
    assert!(
        metrics.version.as_deref().is_some_and(|v| !v.is_empty()),
        "{:?}",
        metrics.version
    );
    assert_eq!(metrics.charts.len(), 4);
    let html = page(&admin, &console, "/").await;
    for chart in ["request-rate", "latency", "in-flight", "digest-cache"] {
        assert!(html.contains(&format!("data-chart=\"{chart}\"")), "{chart}");
    }
    assert!(html.contains("<svg"), "charts are drawn on the server");
}

/// In impersonate mode the caches watch with the console's service account, which may only
/// impersonate, record outside changes and list what the Overview shows (no secrets, no
/// logs): every part is there for the viewer, and logs are still read as the viewer.
#[tokio::test(flavor = "multi_thread")]
async fn the_caches_work_with_the_impersonating_service_account() {
    let kube = admin_kube().await;
    let _running = RUNNING.read().await;
    running_registry(&kube).await;
    let sandbox = registry_console_sandbox::harness::shared();
    let kubeconfig = registry_console_sandbox::sandbox::impersonator_kubeconfig(sandbox)
        .await
        .expect("sa kubeconfig")
        .display()
        .to_string();
    let console = start_sandbox_console(&[
        "--kubeconfig",
        &kubeconfig,
        "--kube-auth-mode",
        "impersonate",
        "--kube-impersonation-prefix",
        "oidc:",
    ])
    .await;
    let viewer = Browser::open(&console, "viewer", "/").await;
    let pod = registry_pod(&viewer, &console).await;
    let view = overview(&viewer, &console).await;
    for (part, ok) in [
        ("operator", view.operator.is_ok()),
        ("registry", view.registry.is_ok()),
        ("deployment", view.deployment.is_ok()),
        ("claims", view.claims.is_ok()),
        ("events", view.events.is_ok()),
        ("routes", view.routes.is_ok()),
        ("pruner", view.pruner.is_ok()),
    ] {
        assert!(ok, "{part}: {view:?}");
    }
    let html = page(&viewer, &console, &format!("/logs?pod={pod}")).await;
    assert!(html.contains("listening on "), "the viewer reads the log");
}

/// A registry whose pods cannot start (its claim can never bind) is not an outage: the
/// Overview says the registry is not serving, without asking it for metrics, and never
/// blames the API server.
#[tokio::test(flavor = "multi_thread")]
async fn a_registry_that_is_not_serving_is_a_reason_not_an_outage() {
    use k8s_openapi::api::core::v1::PersistentVolumeClaim;
    let _alone = RUNNING.write().await;
    let kube = admin_kube().await;
    let claims: kube::Api<PersistentVolumeClaim> =
        kube::Api::namespaced(kube.clone(), "openshift-image-registry");
    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": { "name": "overview-unbindable" },
        "spec": { "accessModes": ["ReadWriteMany"], "storageClassName": "no-such-class", "resources": { "requests": { "storage": "1Gi" } } }
    }))
    .expect("claim");
    let _ = claims.create(&Default::default(), &claim).await;
    let patch = json!({ "spec": { "managementState": "Managed", "replicas": 1,
        "storage": { "emptyDir": null, "pvc": { "claim": "overview-unbindable" } } } });
    configs(kube.clone())
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("pending registry");
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/").await;
    let view = eventually("pending pods only", async || {
        let view = overview(&admin, &console).await;
        let pods = view.pods.clone().ok()?;
        (!pods.is_empty() && pods.iter().all(|p| p.phase == "Pending")).then_some(view)
    })
    .await;
    match &view.metrics {
        Err(PanelProblem::RegistryNotServing(detail)) => {
            assert!(detail.contains("ready"), "{detail}")
        }
        other => panic!("expected the registry not serving, got {other:?}"),
    }
    let html = page(&admin, &console, "/").await;
    assert!(html.contains("data-panel-problem=\"not-serving\""));
    assert!(
        !html.contains("cannot be reached") && !html.contains("did not answer"),
        "nothing blames the API server"
    );
    running_registry(&kube).await;
    let _ = claims
        .delete("overview-unbindable", &Default::default())
        .await;
}
