//! Secret values never reach the browser, the audit trail or the logs: canary values in
//! every secret field the console can meet (the Config's `httpSecret` and proxy passwords,
//! the storage credentials, a route's TLS key), then every page's HTML and every read-only
//! server function's JSON, as each role, plus the exports, the database and the log.

mod support;

use base64::Engine;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;
use support::{
    admin_kube, capture_logs, captured_log, configs, csrf_token, sign_in, start_sandbox_console,
};

const HTTP_SECRET: &str = "CANARY-HTTP-SECRET-5b1c";
const PROXY_PASSWORD: &str = "CANARY-PROXY-PASS-9d2e";
const S3_SECRET: &str = "CANARY-S3-SECRET-a4f0";
const TLS_KEY: &str = "CANARY-TLS-KEY-77c3";

fn canaries() -> Vec<String> {
    let mut out = Vec::new();
    for value in [HTTP_SECRET, PROXY_PASSWORD, S3_SECRET, TLS_KEY] {
        out.push(value.to_string());
        out.push(base64::engine::general_purpose::STANDARD.encode(value));
        // The part of the canary that survives a cut at any length a page might show.
        out.push(value[..16].to_string());
    }
    out
}

fn assert_clean(what: &str, text: &str) {
    for canary in canaries() {
        assert!(!text.contains(&canary), "{what} holds {canary}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_value_reaches_a_page_a_server_function_the_trail_or_the_log() {
    capture_logs();
    let kube = admin_kube().await;
    let console = start_sandbox_console(&[]).await;
    let db = registry_console::db::open(&format!("sqlite://{}", console.database.display()))
        .await
        .expect("db");
    let generation = support::config_now(&kube).await["metadata"]["generation"]
        .as_i64()
        .expect("generation");
    support::baseline_reaches(&db, generation).await;
    // The secrets, written outside the console (so the outside-change trail records them too).
    configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": {
                "managementState": "Managed",
                "storage": { "emptyDir": {} },
                "replicas": 1,
                "httpSecret": HTTP_SECRET,
                "proxy": {
                    "http": format!("http://user:{PROXY_PASSWORD}@proxy.example.com:3128"),
                    "https": format!("https://user:{PROXY_PASSWORD}@proxy.example.com:3129/"),
                    "noProxy": "internal.example.com"
                },
                "routes": [{ "name": "canary", "hostname": "canary.apps.sandbox.example", "secretName": "canary-route-tls" }]
            }})),
        )
        .await
        .expect("patch the Config");
    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(kube.clone(), "openshift-image-registry");
    for (name, kind, data) in [
        (
            "image-registry-private-configuration-user",
            "Opaque",
            json!({ "REGISTRY_STORAGE_S3_ACCESSKEY": "AKIAEXAMPLE", "REGISTRY_STORAGE_S3_SECRETKEY": S3_SECRET }),
        ),
        (
            "canary-route-tls",
            "kubernetes.io/tls",
            json!({ "tls.crt": "not a certificate", "tls.key": TLS_KEY }),
        ),
    ] {
        let secret = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Secret", "type": kind,
            "metadata": { "name": name, "namespace": "openshift-image-registry" },
            "stringData": data
        }))
        .expect("secret");
        secrets
            .create(&PostParams::default(), &secret)
            .await
            .expect("create secret");
    }
    // The outside change is in the trail before anything is read.
    let (auditor, _) = sign_in(&console, "auditor", "/audit").await;
    let change_id = support::eventually("the outside change is recorded", async || {
        let csv = auditor
            .get(format!("{}/audit/export.csv", console.base))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        csv.lines()
            .find(|l| l.contains("spec.httpSecret") || l.contains("outside"))
            .and_then(|l| {
                l.split(',')
                    .nth(1)
                    .map(|id| id.trim_matches('"').to_string())
            })
            .filter(|id| !id.is_empty())
    })
    .await;

    for user in ["admin", "viewer", "auditor"] {
        let (client, _) = sign_in(&console, user, "/").await;
        let mut csrf = String::new();
        let mut paths: Vec<String> = app::domain::page::Page::ALL
            .iter()
            .map(|p| p.path().to_string())
            .collect();
        paths.extend([
            format!("/audit?change={change_id}"),
            // The change's version compared with now, and (for admins) the restore form.
            format!("/audit?compare={change_id}%3A0"),
            "/audit/export.csv".into(),
            "/audit/export.jsonl".into(),
            "/your-access".into(),
            "/logs/download".into(),
        ]);
        for path in &paths {
            let response = client
                .get(format!("{}{path}", console.base))
                .send()
                .await
                .expect("get");
            let text = response.text().await.expect("body");
            if csrf.is_empty() && text.contains("name=\"csrf-token\"") {
                csrf = csrf_token(&text);
            }
            assert_clean(&format!("{path} as {user}"), &text);
        }
        for (function, _) in app::domain::access::READ_ONLY_SERVER_FNS {
            let body: Vec<(&str, String)> = match *function {
                "/api/audit_change" | "/api/audit_object_histories" => {
                    vec![("change_id", change_id.clone())]
                }
                "/api/audit_compare" => {
                    vec![("version", change_id.clone()), ("object", "0".into())]
                }
                _ => Vec::new(),
            };
            let text = client
                .post(format!("{}{function}", console.base))
                .header("origin", &console.base)
                .header("x-csrf-token", &csrf)
                .form(&body)
                .send()
                .await
                .expect("server function")
                .text()
                .await
                .expect("body");
            assert_clean(&format!("{function} as {user}"), &text);
        }
    }
    let database = std::fs::read(&console.database).expect("the console's database");
    assert_clean("the database", &String::from_utf8_lossy(&database));
    let wal = console.database.with_extension("db-wal");
    if let Ok(bytes) = std::fs::read(&wal) {
        assert_clean("the database's WAL", &String::from_utf8_lossy(&bytes));
    }
    assert_clean("the console's log", &captured_log());
}
