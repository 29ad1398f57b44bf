//! Restoring audited versions against a real console, the sandbox's API server and its
//! stand-in operator: the first of three versions of the Config (one made with `kubectl
//! patch`) comes back field for field with its follow-up recorded; a restore over a newer
//! change is a conflict, then re-applied on top; a deleted registry-viewer binding is
//! created again; a version with S3 storage leaves the credentials Secret untouched and
//! says why; a version the rules refuse now is refused naming the field.

mod support;

use app::domain::form_draft::FormDraft;
use app::domain::registry_config::form::{
    ConfigForm, ConfigView, FIELD_ORIGINAL, FORM_CONFIG, SeenConfig, form_fields,
};
use app::domain::restore::{
    FIELD_BASE, FIELD_OBJECT, FIELD_REASON, FIELD_VERSION, FORM_RESTORE, NotRestorable,
    VersionComparison,
};
use futures::StreamExt;
use kube::api::{Patch, PatchParams, PostParams};
use registry_console::audit::chain::EventKind;
use registry_console::audit::store::AuditStore;
use serde_json::{Value, json};
use support::{Browser, SandboxConsole, admin_kube, config_now, configs, start_sandbox_console};

/// Tests in this file change the one registry Config; one at a time.
static CONFIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const NAMESPACE: &str = "openshift-image-registry";
const CREDENTIALS: &str = "image-registry-private-configuration-user";

/// The fresh-install state, as an operator would write it with `oc patch`; then the
/// stand-in operator's `httpSecret`.
async fn reset(kube: &kube::Client) {
    let patch = json!({ "spec": { "managementState": "Removed", "replicas": 1, "logLevel": "Normal", "operatorLogLevel": "Normal", "storage": { "emptyDir": null, "pvc": null, "s3": null } } });
    configs(kube.clone())
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("reset");
    support::eventually("the operator's httpSecret", async || {
        config_now(kube).await["spec"]["httpSecret"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(|_| ())
    })
    .await;
}

/// A merge patch of the Config as `kubectl patch` sends it.
async fn kubectl_patch(kube: &kube::Client, patch: Value) {
    let params = PatchParams {
        field_manager: Some("kubectl-patch".into()),
        ..Default::default()
    };
    configs(kube.clone())
        .patch("cluster", &params, &Patch::Merge(&patch))
        .await
        .expect("kubectl patch");
}

/// A console whose outside-change recorder has seen the Config as it is now (so the next
/// `kubectl patch` is recorded against it), its audit trail, and an admin on the audit page.
async fn console_seeing_now(kube: &kube::Client) -> (SandboxConsole, AuditStore, Browser) {
    let console = start_sandbox_console(&[]).await;
    let db = registry_console::db::open(&format!("sqlite://{}", console.database.display()))
        .await
        .expect("db");
    let generation = config_now(kube).await["metadata"]["generation"]
        .as_i64()
        .expect("generation");
    support::baseline_reaches(&db, generation).await;
    let admin = Browser::open(&console, "admin", "/audit").await;
    (console, AuditStore::new(db), admin)
}

/// The outside change number `after` (from 0) recorded by `manager`, or by anyone for
/// `""` (a removed field has no manager left to name) (waits for the recorder).
async fn outside_change(store: &AuditStore, manager: &str, after: usize) -> String {
    support::eventually(
        &format!("outside change {after} by {manager:?}"),
        async || {
            let events: Vec<_> = store.events().collect().await;
            let outside: Vec<_> = events
                .into_iter()
                .map(|e| e.expect("event"))
                .filter(|e| {
                    e.kind == EventKind::Outside
                        && (manager.is_empty() || e.actor_subject == manager)
                })
                .collect();
            (outside.len() > after).then(|| outside[after].change_id.clone())
        },
    )
    .await
}

/// A change through the Configuration page, as its form would send it: the change's id.
async fn console_change(
    admin: &Browser,
    console: &SandboxConsole,
    edit: impl Fn(&mut ConfigForm),
    reason: &str,
) -> String {
    let (status, body, text) = admin.call(console, "registry_config", &[]).await;
    assert_eq!(status, 200, "{text}");
    let view: ConfigView = serde_json::from_value(body).expect("ConfigView");
    let mut edited = view.form.clone();
    edit(&mut edited);
    let mut draft = FormDraft::new(FORM_CONFIG, &[]);
    draft.fields = form_fields(&edited).into_iter().collect();
    let base = SeenConfig {
        version: view.resource_version.clone(),
        spec: view.spec.clone(),
    };
    draft
        .fields
        .insert("base".into(), serde_json::to_string(&base).expect("json"));
    draft
        .fields
        .insert(FIELD_ORIGINAL.into(), view.spec.to_string());
    let (status, applied, text) = change(admin, console, "RegistryConfig", &draft, reason).await;
    assert_eq!(status, 200, "{text}");
    applied["change_id"].as_str().expect("id").to_string()
}

async fn change(
    user: &Browser,
    console: &SandboxConsole,
    area: &str,
    draft: &FormDraft,
    reason: &str,
) -> (u16, Value, String) {
    let function = if reason.is_empty() {
        "preview_change"
    } else {
        "apply_change"
    };
    user.call(
        console,
        function,
        &[
            ("area", area.to_string()),
            ("draft", serde_json::to_string(draft).expect("json")),
            ("reason", reason.to_string()),
        ],
    )
    .await
}

async fn compare(
    user: &Browser,
    console: &SandboxConsole,
    version: &str,
    object: usize,
    with: &str,
) -> VersionComparison {
    let (status, body, text) = user
        .call(
            console,
            "audit_compare",
            &[
                ("version", version.to_string()),
                ("object", object.to_string()),
                ("with", with.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_value(body).expect("VersionComparison")
}

/// The restore form as the audit page renders it for `comparison`.
fn restore_form(comparison: &VersionComparison, reason: &str) -> FormDraft {
    let offer = comparison.restore.as_ref().expect("a restore is offered");
    FormDraft::new(
        FORM_RESTORE,
        &[
            (FIELD_VERSION, &comparison.version.change_id),
            (FIELD_OBJECT, &comparison.object_index.to_string()),
            (FIELD_BASE, &offer.base),
            (FIELD_REASON, reason),
        ],
    )
}

fn paths(preview: &Value) -> Vec<String> {
    preview["steps"][0]["diff"]
        .as_array()
        .expect("diff")
        .iter()
        .filter_map(|c| c["path"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_of_three_versions_comes_back_field_for_field_and_a_newer_change_conflicts() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let (console, trail, admin) = console_seeing_now(&kube).await;

    // Three versions: the console, kubectl, the console again.
    let first = console_change(
        &admin,
        &console,
        |f| f.log_level = "Debug".into(),
        "debug logs for ticket 7",
    )
    .await;
    let first_spec = config_now(&kube).await["spec"].clone();
    kubectl_patch(
        &kube,
        json!({ "spec": { "logLevel": "Trace", "operatorLogLevel": "Debug" } }),
    )
    .await;
    let outside = outside_change(&trail, "kubectl-patch", 0).await;
    console_change(
        &admin,
        &console,
        |f| f.replicas = "2".into(),
        "two replicas for the load test",
    )
    .await;

    // The first version against the kubectl one, then against now.
    let against_outside = compare(&admin, &console, &first, 0, &outside).await;
    assert!(against_outside.with.as_ref().is_some_and(|w| w.outside));
    let changed: Vec<&str> = against_outside
        .changes
        .iter()
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(changed, ["spec.logLevel", "spec.operatorLogLevel"]);
    let against_now = compare(&admin, &console, &first, 0, "").await;
    let changed: Vec<&str> = against_now
        .changes
        .iter()
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(
        changed,
        ["spec.logLevel", "spec.operatorLogLevel", "spec.replicas"]
    );
    let offer = against_now.restore.as_ref().expect("offered");
    assert!(offer.kept_secrets.is_empty(), "{offer:?}");
    assert!(offer.registry_config && !offer.creates);

    // Restore: only the fields that differ, with the reason the page suggests.
    let reason = "Restore the version of the first change";
    let form = restore_form(&against_now, reason);
    let (status, preview, text) = change(&admin, &console, "Restore", &form, "").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        paths(&preview),
        ["spec.logLevel", "spec.operatorLogLevel", "spec.replicas"]
    );
    assert_eq!(preview["suggested_reason"], reason);

    // A newer change since the comparison was opened: a conflict, nothing written.
    kubectl_patch(&kube, json!({ "spec": { "logLevel": "TraceAll" } })).await;
    let (status, error, text) = change(&admin, &console, "Restore", &form, reason).await;
    assert_eq!(status, 409, "{text}");
    assert!(
        error["Change"]["Conflict"]["underneath"]
            .as_array()
            .is_some_and(|d| d
                .iter()
                .any(|c| c["path"] == "spec.logLevel" && c["after"] == "TraceAll")),
        "{text}"
    );
    assert_eq!(config_now(&kube).await["spec"]["logLevel"], "TraceAll");

    // Re-applied on top (the comparison opened again), the first version is back.
    let again = compare(&admin, &console, &first, 0, "").await;
    let (status, applied, text) = change(
        &admin,
        &console,
        "Restore",
        &restore_form(&again, reason),
        reason,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let restore = applied["change_id"].as_str().expect("id").to_string();
    assert_eq!(
        config_now(&kube).await["spec"],
        first_spec,
        "field for field"
    );

    // The trail: the restore names the version it restored, and its follow-up is recorded.
    let events = trail.change_events(&restore).await.expect("events");
    let intent: Value = serde_json::from_str(&events[0].payload).expect("payload");
    assert_eq!(intent["restores"]["change_id"], first);
    let follow_up = support::eventually("the restore's follow-up", async || {
        let events = trail.change_events(&restore).await.expect("events");
        events
            .into_iter()
            .find(|e| e.kind == EventKind::FollowUp)
            .and_then(|e| e.outcome)
    })
    .await;
    assert_eq!(follow_up, "healthy");
    let html = admin
        .client
        .get(format!("{}/audit?change={restore}", console.base))
        .send()
        .await
        .expect("entry")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&format!("data-restores=\"{first}\"")),
        "the entry links the restored version"
    );

    // Now the version is the object as it is: nothing to restore.
    let same = compare(&admin, &console, &first, 0, "").await;
    assert_eq!(same.restore, Err(NotRestorable::Same));
    // Auditors compare but do not restore.
    let auditor = Browser::open(&console, "auditor", "/audit").await;
    let seen = compare(&auditor, &console, &first, 0, &outside).await;
    assert_eq!(seen.restore, Err(NotRestorable::NotAdmin));
    let (status, _, _) = change(&auditor, &console, "Restore", &form, reason).await;
    assert_eq!(status, 403);
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_registry_viewer_binding_is_created_again() {
    const PROJECT: &str = "restore-team";
    let kube = admin_kube().await;
    let namespaces = support::dynamic_api(&kube, "", "v1", "Namespace", "namespaces", None);
    let namespace: kube::api::DynamicObject = serde_json::from_value(
        json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": PROJECT } }),
    )
    .expect("namespace");
    let _ = namespaces.create(&PostParams::default(), &namespace).await;
    let bindings = support::dynamic_api(
        &kube,
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        Some(PROJECT),
    );
    let _ = bindings
        .delete("registry-viewer", &Default::default())
        .await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/audit").await;
    let access = |form: &str| {
        FormDraft::new(
            form,
            &[
                ("role", "registry-viewer"),
                ("kind", "User"),
                ("name", "alice"),
                ("scope", "project"),
                ("project", PROJECT),
            ],
        )
    };
    let (status, granted, text) = change(
        &admin,
        &console,
        "Access",
        &access("grant"),
        "alice joins the team",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let grant = granted["change_id"].as_str().expect("id").to_string();
    let (status, revoked, text) = change(
        &admin,
        &console,
        "Access",
        &access("revoke"),
        "alice left, by mistake",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let revoke = revoked["change_id"].as_str().expect("id").to_string();
    assert!(
        bindings
            .get_opt("registry-viewer")
            .await
            .expect("read")
            .is_none()
    );

    // The revoke's version is the deletion; the grant's is the binding, gone now.
    let deletion = compare(&admin, &console, &revoke, 0, "").await;
    assert_eq!(deletion.restore, Err(NotRestorable::Deletion));
    let version = compare(&admin, &console, &grant, 0, "").await;
    let offer = version.restore.as_ref().expect("offered");
    assert!(offer.creates && offer.base.is_empty(), "{offer:?}");
    let (status, preview, text) = change(
        &admin,
        &console,
        "Restore",
        &restore_form(&version, "x"),
        "",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(preview["steps"][0]["operation"], "Create");
    let (status, _, text) = change(
        &admin,
        &console,
        "Restore",
        &restore_form(&version, "x"),
        "alice did not leave after all",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let binding = serde_json::to_value(bindings.get("registry-viewer").await.expect("binding"))
        .expect("json");
    assert_eq!(binding["roleRef"]["name"], "registry-viewer");
    assert_eq!(binding["subjects"][0]["name"], "alice");
    assert_eq!(binding["subjects"].as_array().map(Vec::len), Some(1));
    let _ = bindings
        .delete("registry-viewer", &Default::default())
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_with_s3_storage_leaves_the_credentials_as_they_are() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let canary = "canary-restore-secret-key-7f3a";
    let secrets = support::dynamic_api(&kube, "", "v1", "Secret", "secrets", Some(NAMESPACE));
    let _ = secrets.delete(CREDENTIALS, &Default::default()).await;
    let secret: kube::api::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": CREDENTIALS, "namespace": NAMESPACE },
        "stringData": { "REGISTRY_STORAGE_S3_ACCESSKEY": "restore-access", "REGISTRY_STORAGE_S3_SECRETKEY": canary },
    }))
    .expect("secret");
    secrets
        .create(&PostParams::default(), &secret)
        .await
        .expect("credentials");
    let (console, trail, admin) = console_seeing_now(&kube).await;

    // S3 set with kubectl, then taken away again.
    let s3 = json!({ "bucket": "restore-bucket", "region": "us-east-1" });
    kubectl_patch(&kube, json!({ "spec": { "storage": { "s3": s3 } } })).await;
    let version = outside_change(&trail, "kubectl-patch", 0).await;
    kubectl_patch(&kube, json!({ "spec": { "storage": { "s3": null } } })).await;
    outside_change(&trail, "", 1).await;
    let secret_version = secrets
        .get(CREDENTIALS)
        .await
        .expect("secret")
        .metadata
        .resource_version;

    let comparison = compare(&admin, &console, &version, 0, "").await;
    let offer = comparison.restore.as_ref().expect("offered");
    assert_eq!(offer.credentials.as_deref(), Some("s3"));
    let html = admin
        .client
        .get(format!("{}/audit?compare={version}%3A0", console.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("data-credentials=\"s3\""),
        "the page says why"
    );
    assert!(html.contains("data-change-form=\"restore\""));
    assert!(!html.contains(canary));

    let form = restore_form(&comparison, "restore s3");
    let (status, preview, text) = change(&admin, &console, "Restore", &form, "").await;
    assert_eq!(status, 200, "{text}");
    assert!(
        preview["warnings"]
            .as_array()
            .is_some_and(|w| w.iter().any(|v| v["key"] == "restore.credentials_kept")),
        "{text}"
    );
    assert!(
        preview["steps"].as_array().map(Vec::len) == Some(1),
        "the Config only"
    );
    let (status, applied, text) =
        change(&admin, &console, "Restore", &form, "back to the S3 bucket").await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains(canary));
    assert_eq!(config_now(&kube).await["spec"]["storage"]["s3"], s3);
    let secret_now = secrets.get(CREDENTIALS).await.expect("secret");
    assert_eq!(
        secret_now.metadata.resource_version, secret_version,
        "the credentials are not touched"
    );
    let restore = applied["change_id"].as_str().expect("id");
    for event in trail.change_events(restore).await.expect("events") {
        assert!(!event.payload.contains(canary));
    }
    let _ = secrets.delete(CREDENTIALS, &Default::default()).await;
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_the_rules_refuse_now_is_refused_naming_the_field() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let (console, trail, admin) = console_seeing_now(&kube).await;

    // A version while Removed, then the registry Managed (both with kubectl).
    kubectl_patch(&kube, json!({ "spec": { "logLevel": "Debug" } })).await;
    let removed = outside_change(&trail, "kubectl-patch", 0).await;
    kubectl_patch(
        &kube,
        json!({ "spec": { "managementState": "Managed", "storage": { "emptyDir": {} } } }),
    )
    .await;
    outside_change(&trail, "kubectl-patch", 1).await;

    let comparison = compare(&admin, &console, &removed, 0, "").await;
    let offer = comparison.restore.as_ref().expect("offered");
    assert!(offer.removal, "{offer:?}");
    // Restoring Removed deletes the storage: the same confirmation as the Configuration
    // page's, named on the same field, and nothing changes without it.
    let before = config_now(&kube).await["metadata"]["resourceVersion"].clone();
    let mut form = restore_form(&comparison, "back to Removed");
    let (status, error, text) = change(&admin, &console, "Restore", &form, "").await;
    assert_eq!(status, 422, "{text}");
    let refused = &error["Change"]["Invalid"];
    assert!(
        refused.as_array().is_some_and(|list| list
            .iter()
            .any(|v| v["field"] == "spec.managementState" && v["key"] == "rule.removed_confirm")),
        "{text}"
    );
    assert_eq!(
        config_now(&kube).await["metadata"]["resourceVersion"],
        before
    );
    form.fields.insert(
        app::domain::restore::FIELD_CONFIRM_REMOVED.into(),
        "on".into(),
    );
    let (status, preview, text) = change(&admin, &console, "Restore", &form, "").await;
    assert_eq!(status, 200, "{text}");
    assert!(paths(&preview).contains(&"spec.managementState".to_string()));
    reset(&kube).await;
    kubectl_patch(
        &kube,
        json!({ "spec": { "storage": { "emptyDir": null } } }),
    )
    .await;
}
