//! The Configuration page's server functions against a real console, the sandbox's API
//! server and OIDC provider: two admins editing at once (409, then re-applied on top with
//! nothing lost), and the write-only `httpSecret` (never sent to the browser, generated on
//! the server, only fingerprinted in the audit trail).

mod support;

use app::domain::form_draft::FormDraft;
use app::domain::registry_config::form::{
    ConfigForm, ConfigView, FIELD_ORIGINAL, FIELD_SECRET_MODE, FORM_CONFIG, SeenConfig, form_fields,
};
use kube::api::{Patch, PatchParams};
use serde_json::{Value, json};
use support::{SandboxConsole, admin_kube, config_now, configs, sign_in, start_sandbox_console};

/// Tests in this file change the one registry Config; one at a time.
static CONFIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The fresh-install state, written as an operator would with `oc patch`.
async fn reset(kube: &kube::Client) {
    let patch = json!({ "spec": { "managementState": "Removed", "replicas": 1, "logLevel": "Normal", "operatorLogLevel": "Normal", "httpSecret": null, "storage": { "emptyDir": null, "pvc": null } } });
    configs(kube.clone())
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("reset");
}

type Admin = support::Browser;

async fn admin(console: &SandboxConsole) -> Admin {
    Admin::open(console, "admin", "/configuration").await
}

impl Admin {
    async fn load(&self, console: &SandboxConsole) -> (ConfigView, String) {
        let (status, body, text) = self.call(console, "registry_config", &[]).await;
        assert_eq!(status, 200, "{text}");
        (serde_json::from_value(body).expect("ConfigView"), text)
    }

    /// `preview_change` or `apply_change` (the shared change review's server functions)
    /// with the Configuration page's draft.
    async fn submit(
        &self,
        console: &SandboxConsole,
        function: &str,
        draft: &Draft,
    ) -> (u16, Value, String) {
        let json = serde_json::to_string(&draft.form).expect("json");
        self.call(
            console,
            function,
            &[
                ("area", "RegistryConfig".to_string()),
                ("draft", json),
                ("reason", draft.reason.clone()),
            ],
        )
        .await
    }
}

/// What the Configuration page hands the change review (its form, as the change-forms
/// island reads it), and the reason typed in it.
struct Draft {
    form: FormDraft,
    reason: String,
}

/// The page's form showing `form`, based on the Config at `version` with `spec`.
fn page_form(version: &str, spec: &Value, form: &ConfigForm) -> FormDraft {
    let mut draft = FormDraft::new(FORM_CONFIG, &[]);
    draft.fields = form_fields(form).into_iter().collect();
    let base = SeenConfig {
        version: version.to_string(),
        spec: spec.clone(),
    };
    draft
        .fields
        .insert("base".into(), serde_json::to_string(&base).expect("json"));
    draft.fields.insert(FIELD_ORIGINAL.into(), spec.to_string());
    draft
}

fn submission(view: &ConfigView, edit: impl Fn(&mut ConfigForm), reason: &str) -> Draft {
    let mut edited = view.form.clone();
    edit(&mut edited);
    Draft {
        form: page_form(&view.resource_version, &view.spec, &edited),
        reason: reason.into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_admins_at_once_one_conflict_then_reapplied_on_top_and_nothing_lost() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let (first, second) = (admin(&console).await, admin(&console).await);
    let (loaded, _) = first.load(&console).await;

    // The first admin turns on debug logs.
    let change = submission(
        &loaded,
        |f| f.log_level = "Debug".into(),
        "debug logs for ticket 42",
    );
    let (status, preview, text) = first.submit(&console, "preview_change", &change).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(preview["steps"][0]["diff"][0]["path"], "spec.logLevel");
    assert_eq!(
        preview["steps"][0]["oc_command"],
        r#"oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"logLevel":"Debug"}}'"#
    );
    let (status, _, text) = first.submit(&console, "apply_change", &change).await;
    assert_eq!(status, 200, "{text}");

    // The second admin, working from the same copy, changes the operator's level.
    let theirs = submission(
        &loaded,
        |f| f.operator_log_level = "Trace".into(),
        "trace the operator please",
    );
    let (status, error, text) = second.submit(&console, "apply_change", &theirs).await;
    assert_eq!(status, 409, "{text}");
    let underneath = &error["Change"]["Conflict"]["underneath"];
    assert!(
        underneath
            .as_array()
            .expect("diff")
            .iter()
            .any(|c| c["path"] == "spec.logLevel" && c["after"] == "Debug"),
        "shows what changed underneath: {text}"
    );
    assert_eq!(
        config_now(&kube).await["spec"]["operatorLogLevel"],
        "Normal"
    );

    // "Re-apply my edits on top": the newer version as the base, the same edits.
    let (fresh, _) = second.load(&console).await;
    let mut on_top = theirs;
    on_top.form.fields.insert(
        "base".into(),
        serde_json::to_string(&SeenConfig {
            version: fresh.resource_version.clone(),
            spec: fresh.spec.clone(),
        })
        .expect("json"),
    );
    let (status, preview, text) = second.submit(&console, "preview_change", &on_top).await;
    assert_eq!(status, 200, "{text}");
    let paths: Vec<&str> = preview["steps"][0]["diff"]
        .as_array()
        .expect("diff")
        .iter()
        .filter_map(|c| c["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        ["spec.operatorLogLevel"],
        "the first admin's change is not reverted"
    );
    let (status, _, text) = second.submit(&console, "apply_change", &on_top).await;
    assert_eq!(status, 200, "{text}");

    let now = config_now(&kube).await;
    assert_eq!(now["spec"]["logLevel"], "Debug");
    assert_eq!(now["spec"]["operatorLogLevel"], "Trace");
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_http_secret_is_write_only_and_bad_input_changes_nothing() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let secret = "the-current-http-secret-value";
    configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "httpSecret": secret } })),
        )
        .await
        .expect("set secret");
    let console = start_sandbox_console(&[]).await;
    let admin = admin(&console).await;
    let (view, text) = admin.load(&console).await;
    assert!(view.http_secret_set);
    assert!(
        !text.contains(secret),
        "the secret reached the browser: {text}"
    );

    // Bad input: a typo in a number, YAML that does not parse, an empty secret. Each is
    // named; nothing changes.
    let before = config_now(&kube).await["metadata"]["resourceVersion"].clone();
    let mut bad = submission(
        &view,
        |f| {
            f.replicas = "two".into();
            f.advanced_yaml = "tolerations: [".into();
        },
        "several mistakes at once",
    );
    bad.form
        .fields
        .insert(FIELD_SECRET_MODE.into(), "set".into());
    bad.form
        .fields
        .insert("spec.httpSecret".into(), "  ".into());
    let (status, error, text) = admin.submit(&console, "apply_change", &bad).await;
    assert_eq!(status, 422, "{text}");
    let fields: Vec<&str> = error["Change"]["Invalid"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["field"].as_str())
        .collect();
    for field in ["spec.replicas", "advanced", "spec.httpSecret"] {
        assert!(fields.contains(&field), "{field} named: {text}");
    }
    // The page's live check names the same fields as the user types.
    let typing = bad.form.clone();
    let (status, reply, text) = admin
        .call(
            &console,
            "review_change",
            &[
                ("area", "RegistryConfig".into()),
                ("step", "Check".into()),
                ("draft", serde_json::to_string(&typing).expect("json")),
            ],
        )
        .await;
    assert_eq!(status, 200, "{text}");
    let live: Vec<&str> = reply["field_errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for field in ["spec.replicas", "advanced", "spec.httpSecret"] {
        assert!(live.contains(&field), "{field} checked live: {text}");
    }
    // An unknown key in the Advanced editor is named too (the API server would prune it).
    let typo = submission(
        &view,
        |f| f.advanced_yaml = "tolerations:\n  - key: infra\n    operater: Exists\n".into(),
        "tolerate the infra nodes",
    );
    let (status, _, text) = admin.submit(&console, "preview_change", &typo).await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("spec.tolerations[0].operater"), "{text}");
    assert_eq!(
        config_now(&kube).await["metadata"]["resourceVersion"],
        before
    );

    // Generate: a new random secret, never shown, fingerprinted in the audit trail.
    let mut generate = submission(&view, |_| {}, "rotate the upload secret");
    generate
        .form
        .fields
        .insert(FIELD_SECRET_MODE.into(), "generate".into());
    let (status, applied, text) = admin.submit(&console, "apply_change", &generate).await;
    assert_eq!(status, 200, "{text}");
    let now = config_now(&kube).await;
    let generated = now["spec"]["httpSecret"].as_str().expect("set").to_string();
    assert_eq!(generated.len(), 64);
    assert_ne!(generated, secret);
    assert!(
        !text.contains(&generated) && !text.contains(secret),
        "{text}"
    );
    assert_eq!(applied["steps"][0]["diff"][0]["path"], "spec.httpSecret");
    let export = admin
        .client
        .get(format!("{}/audit/export.jsonl", console.base))
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("text");
    assert!(export.contains("rotate the upload secret"));
    assert!(export.contains("fingerprint:"));
    assert!(
        !export.contains(&generated) && !export.contains(secret),
        "secret in the audit trail"
    );
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_proxy_keeps_its_hidden_password_and_a_label_is_no_conflict() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let password = "pr0xy-pass-word";
    configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "proxy": { "http": format!("http://proxyuser:{password}@old-proxy.example.com:3128") } } })),
        )
        .await
        .expect("set proxy");
    let console = start_sandbox_console(&[]).await;
    let admin = admin(&console).await;
    let (view, text) = admin.load(&console).await;
    assert!(
        !text.contains(password),
        "the proxy password reached the browser"
    );
    assert!(
        view.form.proxy_http.contains("proxyuser:fingerprint:"),
        "{}",
        view.form.proxy_http
    );

    // Someone labels the Config meanwhile: a newer version, the same content.
    configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "labels": { "team": "registry" } } })),
        )
        .await
        .expect("label");

    // A fingerprint that is not the current password's is refused, naming the field.
    let forged = submission(
        &view,
        |f| {
            f.proxy_http =
                "http://proxyuser:fingerprint:0000000000000000@new-proxy.example.com:3128".into()
        },
        "move to the new proxy host",
    );
    let (status, _, text) = admin.submit(&console, "apply_change", &forged).await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("spec.proxy.http"), "{text}");

    // Editing the host keeps the real password; the label was no conflict.
    let moved = submission(
        &view,
        |f| f.proxy_http = f.proxy_http.replace("old-proxy", "new-proxy"),
        "move to the new proxy host",
    );
    let (status, applied, text) = admin.submit(&console, "apply_change", &moved).await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains(password), "{text}");
    assert_eq!(applied["steps"][0]["diff"][0]["path"], "spec.proxy.http");
    let now = config_now(&kube).await;
    assert_eq!(
        now["spec"]["proxy"]["http"],
        format!("http://proxyuser:{password}@new-proxy.example.com:3128")
    );
    assert_eq!(now["metadata"]["labels"]["team"], "registry");
    configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(
                json!({ "metadata": { "labels": { "team": null } }, "spec": { "proxy": null } }),
            ),
        )
        .await
        .expect("clean up");
    reset(&kube).await;
}

/// The pages that have islands (and only those) load the WASM bundle, the session and the
/// page language's catalogue; every other page is complete as the server renders it. The
/// list the shell goes by (`Page::islands`) must match what the pages render.
#[tokio::test(flavor = "multi_thread")]
async fn only_pages_with_islands_load_the_bundle() {
    let console = start_sandbox_console(&[]).await;
    let (client, _) = sign_in(&console, "admin", "/").await;
    for page in app::domain::page::Page::ALL {
        let html = client
            .get(format!("{}{}", console.base, page.path()))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        let renders_islands = html.contains("<leptos-island");
        let loads_bundle = html.contains("/pkg/registry_console.js");
        let expected = !page.islands().is_empty();
        assert_eq!(renders_islands, expected, "{page:?} islands");
        assert_eq!(loads_bundle, expected, "{page:?} bundle");
        assert_eq!(
            html.contains("id=\"rc-catalogue\""),
            expected,
            "{page:?} catalogue"
        );
        for island in page.islands() {
            let component: String = island
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect();
            assert!(
                html.contains(&format!("data-component=\"{component}_")),
                "{page:?} renders {component}"
            );
        }
    }
}

/// The shared review's own server function (what the page's island calls): a refusal is
/// an answer (200) placed where the page shows it, with each broken rule on its field, and
/// nothing is written.
#[tokio::test(flavor = "multi_thread")]
async fn the_review_places_refusals_and_writes_nothing() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = admin(&console).await;
    let (view, _) = admin.load(&console).await;
    let before = config_now(&kube).await["metadata"]["resourceVersion"].clone();
    let review = |draft: &Draft, step: &str| {
        let json = serde_json::to_string(&draft.form).expect("json");
        vec![
            ("area", "RegistryConfig".to_string()),
            ("step", step.to_string()),
            ("draft", json),
            ("reason", draft.reason.clone()),
        ]
    };

    // A rule broken: the preview is refused, the field named for the form.
    let bad = submission(&view, |f| f.replicas = "-2".into(), "scale");
    let (status, reply, text) = admin
        .call(&console, "review_change", &review(&bad, "Preview"))
        .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(reply["previewed"], false, "{text}");
    assert_eq!(reply["slot"], "Review", "{text}");
    let fields: Vec<&str> = reply["field_errors"]
        .as_array()
        .expect("field errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["spec.replicas"], "{text}");

    // A reason over the limit: beside the preview, which stays; the limit is in the message.
    let long = submission(&view, |f| f.log_level = "Debug".into(), &"x".repeat(2001));
    let (status, reply, text) = admin
        .call(&console, "review_change", &review(&long, "Apply"))
        .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(reply["slot"], "ApplyError", "{text}");
    assert_eq!(reply["applied"], false, "{text}");
    assert!(
        reply["html"].as_str().unwrap_or_default().contains("2000"),
        "{text}"
    );

    assert_eq!(
        config_now(&kube).await["metadata"]["resourceVersion"],
        before
    );
}
