//! Changes made outside the console, against the sandbox's real API server: a
//! `kubectl patch` while a console runs, a change through the console's own pipeline (not
//! an outside change), and a change made while no console runs (recorded at the next
//! start).

mod support;

use futures::StreamExt;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use registry_console::audit::chain::{Event, EventKind};
use registry_console::audit::outside::{self, OutsideRecorder, WATCHED};
use registry_console::audit::redact::FingerprintKey;
use registry_console::audit::store::{Actor, AuditStore, Filter};
use registry_console::change::pipeline::Confirmations;
use registry_console::change::{ChangePipeline, ChangeRequest, FollowUpPlan, Requester, Step};
use registry_console::kube::resources::REGISTRY_CONFIG;
use serde_json::{Value, json};
use std::time::Duration;

/// Tests in this file change the one registry Config; one at a time.
static CONFIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const GROUP: &str = "imageregistry.operator.openshift.io";

fn configs(client: &kube::Client) -> Api<DynamicObject> {
    Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(GROUP, "v1", "Config"),
            "configs",
        ),
    )
}

async fn admin() -> kube::Client {
    let sandbox = registry_console_sandbox::harness::shared();
    registry_console_sandbox::sandbox::admin_client(&sandbox.kubeconfig)
        .await
        .expect("admin client")
}

async fn current(client: &kube::Client) -> Value {
    let config = configs(client).get("cluster").await.expect("config");
    serde_json::to_value(config).expect("json")
}

/// A merge patch under `manager`, as `kubectl patch` (`kubectl-patch`) or `oc edit`
/// (`kubectl-edit`) send it.
async fn patch_as(client: &kube::Client, manager: &str, patch: Value) {
    let params = PatchParams {
        field_manager: Some(manager.to_string()),
        ..Default::default()
    };
    configs(client)
        .patch("cluster", &params, &Patch::Merge(&patch))
        .await
        .expect("patch");
}

/// Puts the Config back to the fresh-install state, and waits until the sandbox operator
/// has written its default `httpSecret` (a spec write of its own).
async fn reset(admin: &kube::Client) {
    patch_as(
        admin,
        "test-reset",
        json!({ "spec": { "managementState": "Removed", "logLevel": "Normal", "operatorLogLevel": "Normal" } }),
    )
    .await;
    poll("the operator's httpSecret", || async {
        let config = current(admin).await;
        let set = config["spec"]["httpSecret"]
            .as_str()
            .is_some_and(|s| !s.is_empty());
        set.then_some(())
    })
    .await;
}

async fn poll<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn open(path: &std::path::Path) -> registry_console::db::Db {
    registry_console::db::open(&format!("sqlite://{}", path.display()))
        .await
        .expect("db")
}

fn generation(config: &Value) -> i64 {
    config["metadata"]["generation"]
        .as_i64()
        .expect("generation")
}

async fn outside_events(store: &AuditStore) -> Vec<Event> {
    let events: Vec<_> = store.events().collect().await;
    events
        .into_iter()
        .map(|e| e.expect("event"))
        .filter(|e| e.kind == EventKind::Outside)
        .collect()
}

async fn outside_event_by(store: &AuditStore, manager: &str) -> Event {
    poll(&format!("an outside event by {manager}"), || async {
        outside_events(store)
            .await
            .into_iter()
            .find(|e| e.actor_subject == manager)
    })
    .await
}

fn diff(event: &Event) -> Vec<Value> {
    let payload: Value = serde_json::from_str(&event.payload).expect("payload");
    payload["diff"][0].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kubectl_patch_is_recorded_with_its_manager_and_diff() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = admin().await;
    reset(&admin).await;
    let console = support::start_sandbox_console(&[]).await;
    let db = open(&console.database).await;
    let store = AuditStore::new(db.clone());
    let before = current(&admin).await;
    support::baseline_reaches(&db, generation(&before)).await;

    patch_as(
        &admin,
        "kubectl-patch",
        json!({ "spec": { "logLevel": "Debug" } }),
    )
    .await;

    let event = outside_event_by(&store, "kubectl-patch").await;
    assert_eq!(event.actor_name, "kubectl patch");
    assert_eq!(
        diff(&event),
        vec![json!({ "path": "spec.logLevel", "before": "Normal", "after": "Debug" })]
    );
    let payload: Value = serde_json::from_str(&event.payload).expect("payload");
    assert_eq!(payload["generation"]["before"], generation(&before));
    assert_eq!(payload["generation"]["after"], generation(&before) + 1);
    assert_eq!(payload["managed_fields"]["manager"], "kubectl-patch");
    assert_eq!(payload["managed_fields"]["operation"], "Update");
    let secret = before["spec"]["httpSecret"].as_str().expect("httpSecret");
    assert!(!event.payload.contains(secret), "the httpSecret leaked");
    assert!(
        payload["objects"][0]["after"]["spec"]["httpSecret"]
            .as_str()
            .is_some_and(|s| s.starts_with("fingerprint:"))
    );
    let rows = store
        .list(
            &Filter {
                actor: Some("kubectl-patch".into()),
                ..Default::default()
            },
            None,
            10,
        )
        .await
        .expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, "outside");
    assert_eq!(rows[0].outcome, "outside");
    assert!(store.verify().await.expect("read").is_ok(), "chain intact");
    reset(&admin).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_through_the_pipeline_is_not_an_outside_change() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = admin().await;
    reset(&admin).await;
    let console = support::start_sandbox_console(&[]).await;
    let db = open(&console.database).await;
    let base = current(&admin).await;
    support::baseline_reaches(&db, generation(&base)).await;

    let pipeline = std::sync::Arc::new(ChangePipeline::new(
        AuditStore::new(db.clone()),
        FingerprintKey([3u8; 32]),
        10..=200,
        Duration::from_secs(60),
    ));
    let mut desired = base.clone();
    desired["spec"]["logLevel"] = json!("Debug");
    let applied = pipeline
        .apply(
            admin.clone(),
            &Requester {
                actor: Actor {
                    subject: "admin".into(),
                    name: "admin".into(),
                    email: None,
                    groups: vec!["registry-admins".into()],
                },
                client_addr: None,
                request_id: None,
            },
            ChangeRequest {
                reason: "debug logs for ticket 42".into(),
                steps: vec![Step::patch(
                    REGISTRY_CONFIG,
                    None,
                    "cluster",
                    base.clone(),
                    false,
                    desired,
                )],
                confirmations: Confirmations::default(),
                // Followed by the test itself, through the baseline.
                follow_up: FollowUpPlan::None,
                warnings: Vec::new(),
            },
        )
        .await
        .expect("applied");
    let applied_generation = current(&admin).await["metadata"]["generation"]
        .as_i64()
        .expect("generation");
    assert!(!applied.change_id.is_empty());
    assert!(applied_generation > generation(&base));
    support::baseline_reaches(&db, applied_generation).await;

    let outside = outside_events(&pipeline.audit).await;
    assert!(
        outside.is_empty(),
        "the console's own change is not an outside change: {outside:#?}"
    );
    assert_eq!(
        pipeline.audit.verify().await.expect("read"),
        Ok(2),
        "intent and result only"
    );

    // The Config's versions on the change's entry: this change and a later one made
    // with kubectl, newest first, each with the field it changed.
    patch_as(
        &admin,
        "kubectl-patch",
        json!({ "spec": { "logLevel": "Trace" } }),
    )
    .await;
    let later = outside_event_by(&pipeline.audit, "kubectl-patch").await;
    let auditor = support::Browser::open(&console, "auditor", "/audit").await;
    let html = auditor
        .client
        .get(format!(
            "{}/audit?change={}",
            console.base, applied.change_id
        ))
        .send()
        .await
        .expect("entry")
        .text()
        .await
        .expect("html");
    let history = &html[html
        .find("data-history=\"Config cluster\"")
        .expect("the Config's versions")..];
    let newer = history
        .find(&format!("data-version=\"{}\"", later.change_id))
        .expect("the kubectl patch");
    let this = history
        .find(&format!("data-version=\"{}\"", applied.change_id))
        .expect("this change");
    assert!(newer < this, "newest first");
    assert!(history[newer..this].contains("data-source=\"outside\""));
    assert!(history[this..].contains("aria-current=\"true\""));
    assert!(history.contains("<code>spec.logLevel"));
    assert!(history[newer..this].contains(&format!("/audit?change={}", later.change_id)));
    reset(&admin).await;
}

/// The console's change and the operator's defaults (a new `httpSecret`, written by the
/// operator in the same second) are no outside change; a `kubectl patch` made at the same
/// moment is, with only its own field in the diff, named plainly.
#[tokio::test(flavor = "multi_thread")]
async fn the_operator_writing_in_the_same_second_gives_no_phantom_outside_change() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = admin().await;
    reset(&admin).await;
    let console = support::start_sandbox_console(&[]).await;
    let db = open(&console.database).await;
    let base = current(&admin).await;
    support::baseline_reaches(&db, generation(&base)).await;
    let pipeline = std::sync::Arc::new(ChangePipeline::new(
        AuditStore::new(db.clone()),
        FingerprintKey([3u8; 32]),
        10..=200,
        Duration::from_secs(60),
    ));
    let requester = Requester {
        actor: Actor {
            subject: "admin".into(),
            name: "admin".into(),
            email: None,
            groups: vec!["registry-admins".into()],
        },
        client_addr: None,
        request_id: None,
    };
    let old_secret = base["spec"]["httpSecret"].clone();
    for round in 0..5 {
        let base = current(&admin).await;
        let mut desired = base.clone();
        desired["spec"]["logLevel"] = json!(if round % 2 == 0 { "Debug" } else { "Normal" });
        // A new httpSecret, which the operator generates (its default) at once.
        if let Some(spec) = desired["spec"].as_object_mut() {
            spec.remove("httpSecret");
        }
        pipeline
            .apply(
                admin.clone(),
                &requester,
                ChangeRequest {
                    reason: "rotate the http secret".into(),
                    steps: vec![Step::patch(
                        REGISTRY_CONFIG,
                        None,
                        "cluster",
                        base,
                        false,
                        desired,
                    )],
                    confirmations: Confirmations::default(),
                    follow_up: FollowUpPlan::None,
                    warnings: Vec::new(),
                },
            )
            .await
            .expect("applied");
        let refilled = poll("the operator's new httpSecret", || async {
            let now = current(&admin).await;
            let set = now["spec"]["httpSecret"]
                .as_str()
                .is_some_and(|s| !s.is_empty());
            set.then_some(now)
        })
        .await;
        assert_ne!(refilled["spec"]["httpSecret"], old_secret, "a new secret");
        support::baseline_reaches(&db, generation(&refilled)).await;
    }
    let outside: Vec<Event> = outside_events(&pipeline.audit)
        .await
        .into_iter()
        .filter(|e| e.objects.contains("\"kind\":\"Config\""))
        .collect();
    assert!(
        outside.is_empty(),
        "the console's change and the operator's default are no outside change: {outside:#?}"
    );

    // A kubectl patch right after the console's change (the same second, likely seen in
    // one sighting): recorded, with only its own field.
    let base = current(&admin).await;
    let mut desired = base.clone();
    desired["spec"]["operatorLogLevel"] = json!("Debug");
    pipeline
        .apply(
            admin.clone(),
            &requester,
            ChangeRequest {
                reason: "operator debug logs".into(),
                steps: vec![Step::patch(
                    REGISTRY_CONFIG,
                    None,
                    "cluster",
                    base,
                    false,
                    desired,
                )],
                confirmations: Confirmations::default(),
                follow_up: FollowUpPlan::None,
                warnings: Vec::new(),
            },
        )
        .await
        .expect("applied");
    patch_as(
        &admin,
        "kubectl-patch",
        json!({ "spec": { "replicas": 2 } }),
    )
    .await;
    let event = outside_event_by(&pipeline.audit, "kubectl-patch").await;
    assert_eq!(event.actor_name, "kubectl patch");
    let paths: Vec<Value> = diff(&event).iter().map(|c| c["path"].clone()).collect();
    assert_eq!(paths, vec![json!("spec.replicas")], "{event:#?}");
    patch_as(&admin, "test-reset", json!({ "spec": { "replicas": 1 } })).await;
    reset(&admin).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_made_while_no_console_runs_is_recorded_at_the_next_start() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = admin().await;
    reset(&admin).await;
    let dir = tempfile::tempdir().expect("dir");
    let database = dir.path().join("registry-console.db");

    // A first run: the watcher alone, on the console's files, until it has a baseline.
    let db = open(&database).await;
    let recorder = OutsideRecorder {
        db: db.clone(),
        audit: AuditStore::new(db.clone()),
        fingerprints: FingerprintKey::load_or_create(&dir.path().join("audit-fingerprint.key"))
            .expect("key"),
    };
    let before = current(&admin).await;
    let watchers = outside::spawn(admin.clone(), recorder, &WATCHED[..1]);
    support::baseline_reaches(&db, generation(&before)).await;
    for watcher in watchers {
        watcher.abort();
        let _ = watcher.await;
    }

    // Down: `oc edit` changes the Config.
    patch_as(
        &admin,
        "kubectl-edit",
        json!({ "spec": { "operatorLogLevel": "Debug" } }),
    )
    .await;
    let store = AuditStore::new(db.clone());
    assert!(outside_events(&store).await.is_empty(), "nobody watched");

    // The next start records it.
    let sandbox = registry_console_sandbox::harness::shared();
    support::start_console(vec![
        "--data-dir".into(),
        dir.path().display().to_string(),
        "--kubeconfig".into(),
        sandbox.kubeconfig.display().to_string(),
    ])
    .await;
    let event = outside_event_by(&store, "kubectl-edit").await;
    assert_eq!(
        diff(&event),
        vec![json!({ "path": "spec.operatorLogLevel", "before": "Normal", "after": "Debug" })],
        "the same fingerprint key: the httpSecret shows unchanged"
    );
    let payload: Value = serde_json::from_str(&event.payload).expect("payload");
    assert_eq!(payload["generation"]["before"], generation(&before));
    assert_eq!(payload["recreated"], false);
    assert_eq!(store.verify().await.expect("read"), Ok(1));
    reset(&admin).await;
}

/// Access to the registry granted and revoked with `oc policy`, while a console runs: the
/// RoleBinding's creation and deletion are recorded; a binding of an unrelated role is
/// not.
#[tokio::test(flavor = "multi_thread")]
async fn registry_role_bindings_granted_and_revoked_outside_are_recorded() {
    use registry_console::kube::resources::ROLE_BINDING;
    let admin = admin().await;
    let console = support::start_sandbox_console(&[]).await;
    let db = open(&console.database).await;
    let store = AuditStore::new(db.clone());
    // The watch has listed the bindings that were already there.
    let listed = outside::BaselineKey {
        resource: ROLE_BINDING.oc_name(),
        namespace: String::new(),
        name: "*listed*".into(),
    };
    poll("the first listing of bindings", || async {
        outside::load_baseline(&db, &listed).await.expect("read")
    })
    .await;

    let bindings = ROLE_BINDING.api(admin.clone(), Some("default"));
    let params = kube::api::PostParams {
        field_manager: Some("kubectl-client-side-apply".into()),
        ..Default::default()
    };
    let grant = |name: &str, role: &str| -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": name, "namespace": "default" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
            "subjects": [{ "kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice" }]
        }))
        .expect("binding")
    };
    let name = format!("outside-viewer-{}", std::process::id());
    bindings
        .create(&params, &grant(&name, "registry-viewer"))
        .await
        .expect("granted");
    bindings
        .create(&params, &grant(&format!("{name}-edit"), "edit"))
        .await
        .expect("unrelated");
    let created = poll("the grant recorded", || async {
        outside_events(&store)
            .await
            .into_iter()
            .find(|e| e.objects.contains(&name))
    })
    .await;
    assert_eq!(created.actor_subject, "kubectl-client-side-apply");
    assert!(created.payload.contains("alice"), "{}", created.payload);

    bindings
        .delete(&name, &Default::default())
        .await
        .expect("revoked");
    poll("the revocation recorded", || async {
        let found: Vec<Event> = outside_events(&store)
            .await
            .into_iter()
            .filter(|e| e.objects.contains(&name))
            .collect();
        (found.len() == 2).then_some(())
    })
    .await;
    let _ = bindings
        .delete(&format!("{name}-edit"), &Default::default())
        .await;
    assert!(
        outside_events(&store)
            .await
            .iter()
            .all(|e| !e.objects.contains(&format!("{name}-edit"))),
        "an unrelated role's binding is not recorded"
    );
    assert!(store.verify().await.expect("read").is_ok());
}

/// Access granted and revoked through the console's pipeline is the console's own change:
/// neither the new binding nor its deletion is recorded as an outside change (a grant made
/// outside right after is, which also shows the watcher has seen both).
#[tokio::test(flavor = "multi_thread")]
async fn access_granted_and_revoked_through_the_pipeline_is_not_an_outside_change() {
    use registry_console::kube::resources::ROLE_BINDING;
    let admin = admin().await;
    let console = support::start_sandbox_console(&[]).await;
    let db = open(&console.database).await;
    let listed = outside::BaselineKey {
        resource: ROLE_BINDING.oc_name(),
        namespace: String::new(),
        name: "*listed*".into(),
    };
    poll("the first listing of bindings", || async {
        outside::load_baseline(&db, &listed).await.expect("read")
    })
    .await;
    let pipeline = std::sync::Arc::new(ChangePipeline::new(
        AuditStore::new(db.clone()),
        FingerprintKey([3u8; 32]),
        10..=200,
        Duration::from_secs(60),
    ));
    let requester = Requester {
        actor: Actor {
            subject: "admin".into(),
            name: "admin".into(),
            email: None,
            groups: vec!["registry-admins".into()],
        },
        client_addr: None,
        request_id: None,
    };
    let binding = |name: &str| {
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": name, "namespace": "default" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-viewer" },
            "subjects": [{ "kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob" }]
        })
    };
    let change = |reason: &str, step: Step| ChangeRequest {
        reason: reason.into(),
        steps: vec![step],
        confirmations: Confirmations::default(),
        follow_up: FollowUpPlan::None,
        warnings: Vec::new(),
    };
    let name = format!("console-viewer-{}", std::process::id());

    pipeline
        .apply(
            admin.clone(),
            &requester,
            change(
                "bob reads the registry, ticket 7",
                Step::create(ROLE_BINDING, Some("default"), binding(&name)),
            ),
        )
        .await
        .expect("granted");
    let bindings = ROLE_BINDING.api(admin.clone(), Some("default"));
    let granted = serde_json::to_value(bindings.get(&name).await.expect("created")).expect("json");
    pipeline
        .apply(
            admin.clone(),
            &requester,
            change(
                "bob no longer needs it, ticket 8",
                Step::delete(ROLE_BINDING, Some("default"), &name, granted, false),
            ),
        )
        .await
        .expect("revoked");

    // An outside grant after both: once it is recorded, the watcher has seen them.
    let sentinel = format!("{name}-outside");
    let params = kube::api::PostParams {
        field_manager: Some("kubectl-create".into()),
        ..Default::default()
    };
    bindings
        .create(
            &params,
            &serde_json::from_value(binding(&sentinel)).expect("binding"),
        )
        .await
        .expect("outside grant");
    let store = AuditStore::new(db.clone());
    poll("the outside grant recorded", || async {
        outside_events(&store)
            .await
            .into_iter()
            .find(|e| e.objects.contains(&sentinel))
    })
    .await;
    let _ = bindings.delete(&sentinel, &Default::default()).await;
    let own: Vec<Event> = outside_events(&store)
        .await
        .into_iter()
        .filter(|e| e.objects.contains(&name) && !e.objects.contains(&sentinel))
        .collect();
    assert!(
        own.is_empty(),
        "the console's own grant and revocation: {own:#?}"
    );
    assert!(store.verify().await.expect("read").is_ok());
}
