//! The change pipeline against the sandbox's real API server (acting as real OIDC users)
//! with real SQLite audit files: the guide's Removed → Managed, conflicts, the audit trail
//! failing closed, dry-run rejections, rule violations and a viewer's attempt.

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use registry_console::audit::redact::FingerprintKey;
use registry_console::audit::store::{Actor, AuditStore, Filter};
use registry_console::pipeline::{ChangePipeline, ChangeRequest, PipelineError, Requester, Step};
use registry_console_sandbox::harness;
use registry_console_sandbox::sandbox::token_client;
use serde_json::{Value, json};

/// Tests in this file change the one registry Config; one at a time.
static CONFIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const GROUP: &str = "imageregistry.operator.openshift.io";

fn resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(GROUP, "v1", "Config"), "configs")
}

async fn client_for(user: &str) -> kube::Client {
    let sandbox = harness::shared();
    let tokens = registry_console_sandbox::oidc_login::sign_in(
        &sandbox.oidc,
        user,
        &format!("{user}-password"),
    )
    .await
    .expect("tokens");
    token_client(
        &sandbox.apiserver_url,
        &sandbox.apiserver_ca_file,
        &tokens.id_token,
    )
    .expect("client")
}

async fn current(client: &kube::Client) -> Value {
    let config = Api::<DynamicObject>::all_with(client.clone(), &resource())
        .get("cluster")
        .await
        .expect("config");
    serde_json::to_value(config).expect("json")
}

/// Puts the Config back to the fresh-install state (admin, outside the pipeline).
async fn reset(admin: &kube::Client) {
    let patch = json!({ "spec": { "managementState": "Removed", "replicas": 1, "rolloutStrategy": "RollingUpdate", "logLevel": "Normal", "operatorLogLevel": "Normal", "storage": { "pvc": null, "emptyDir": null } } });
    Api::<DynamicObject>::all_with(admin.clone(), &resource())
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("reset");
}

/// The written object is valid against the real CRD in `shared/crds` (read from there, not
/// from the console's copy), including what the 1.20 API server does not check (unknown
/// fields it would prune, CEL rules).
fn assert_valid_against_shared_crd(object: &Value) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/crds/00_configs.crd.yaml"
    );
    let text = std::fs::read_to_string(path).expect("shared/crds beside the checkout");
    let schema = registry_console::schemas::load_crd_schema(&text, "v1").expect("schema");
    let problems = app::schema::validate(
        schema.pointer("/properties/spec").expect("spec schema"),
        object.get("spec").expect("spec"),
        "spec",
    );
    assert!(problems.is_empty(), "{problems:?}");
}

async fn pipeline(dir: &std::path::Path) -> ChangePipeline {
    let pool = registry_console::db::open(&format!("sqlite://{}", dir.join("audit.db").display()))
        .await
        .expect("db");
    ChangePipeline {
        audit: AuditStore::new(pool),
        fingerprints: FingerprintKey([3u8; 32]),
        min_reason: 10,
        follow_up_timeout: std::time::Duration::from_secs(60),
    }
}

fn requester(name: &str) -> Requester {
    Requester {
        actor: Actor {
            subject: name.into(),
            name: name.into(),
            email: None,
            groups: vec!["registry-admins".into()],
        },
        client_addr: Some("127.0.0.1".into()),
        request_id: Some("test".into()),
    }
}

fn step(base: &Value, edit: impl Fn(&mut Value)) -> Step {
    let mut desired = base.clone();
    edit(&mut desired);
    Step {
        group: GROUP.into(),
        version: "v1".into(),
        kind: "Config".into(),
        plural: "configs".into(),
        namespace: None,
        name: "cluster".into(),
        base: base.clone(),
        base_redacted: false,
        desired,
    }
}

fn request(reason: &str, steps: Vec<Step>, current_state: &str) -> ChangeRequest {
    ChangeRequest {
        reason: reason.into(),
        steps,
        rules: app::config_rules::RuleContext {
            current_state: Some(current_state.into()),
            ..Default::default()
        },
    }
}

async fn events(p: &ChangePipeline) -> u64 {
    p.audit.verify().await.expect("read").expect("intact")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_guides_switch_to_managed_is_previewed_applied_and_audited() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let base = current(&admin).await;
    let change = step(&base, |c| {
        c["spec"]["managementState"] = json!("Managed");
        c["spec"]["storage"] = json!({ "pvc": { "claim": "" } });
    });
    let applied = p
        .apply(
            admin.clone(),
            &requester("admin"),
            request(
                "guide 2.1: bare metal, shared claim",
                vec![change],
                "Removed",
            ),
        )
        .await
        .expect("applied");
    let preview = &applied.steps[0];
    assert_eq!(
        preview.oc_command,
        r#"oc patch configs.imageregistry.operator.openshift.io 'cluster' --type merge -p '{"spec":{"managementState":"Managed","storage":{"pvc":{"claim":""}}}}'"#
    );
    let paths: Vec<&str> = preview.diff.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, vec!["spec.managementState", "spec.storage.pvc"]);
    let now = current(&admin).await;
    assert_eq!(now["spec"]["managementState"], "Managed");
    assert_valid_against_shared_crd(&now);
    let managers: Vec<&str> = now["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&"registry-console"), "{managers:?}");
    // Intent then result, chained; one row in the list, applied.
    assert_eq!(events(&p).await, 2);
    let rows = p
        .audit
        .list(&Filter::default(), None, 10)
        .await
        .expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "applied");
    assert_eq!(
        rows[0].reason.as_deref(),
        Some("guide 2.1: bare metal, shared claim")
    );
    reset(&admin).await;
}

/// A ReadWriteOnce claim the console does not know about (no access modes in the rule
/// context) with RollingUpdate: the operator refuses, and the follow-up records Degraded
/// with the operator's message.
#[tokio::test(flavor = "multi_thread")]
async fn the_follow_up_records_the_operators_refusal() {
    use k8s_openapi::api::core::v1::PersistentVolumeClaim;
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    let claims: Api<PersistentVolumeClaim> =
        Api::namespaced(admin.clone(), "openshift-image-registry");
    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": { "name": "pipeline-rwo" },
        "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "10Gi" } } }
    }))
    .expect("claim");
    let _ = claims.create(&Default::default(), &claim).await;
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let base = current(&admin).await;
    let change = step(&base, |c| {
        c["spec"]["managementState"] = json!("Managed");
        c["spec"]["storage"] = json!({ "pvc": { "claim": "pipeline-rwo" } });
    });
    let applied = p
        .apply(
            admin.clone(),
            &requester("admin"),
            request("block storage for the registry", vec![change], "Removed"),
        )
        .await
        .expect("applied");
    let outcome = p
        .follow_up(admin.clone(), &requester("admin"), &applied)
        .await;
    match outcome {
        registry_console::pipeline::FollowUp::Degraded(message) => {
            assert!(message.contains("ReadWriteOnce"), "{message}")
        }
        other => panic!("expected Degraded, got {other:?}"),
    }
    let rows = p
        .audit
        .list(&Filter::default(), None, 10)
        .await
        .expect("list");
    assert_eq!(rows[0].outcome, "degraded");
    reset(&admin).await;
    let _ = claims.delete("pipeline-rwo", &Default::default()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_admin_working_from_an_old_copy_gets_a_conflict_and_nothing_is_lost() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let loaded_by_both = current(&admin).await;
    let first = step(&loaded_by_both, |c| c["spec"]["logLevel"] = json!("Debug"));
    p.apply(
        admin.clone(),
        &requester("first"),
        request("debug logs for ticket 42", vec![first], "Removed"),
    )
    .await
    .expect("the first applies");
    let second = step(&loaded_by_both, |c| {
        c["spec"]["operatorLogLevel"] = json!("Trace")
    });
    let refused = p
        .apply(
            admin.clone(),
            &requester("second"),
            request("trace the operator please", vec![second], "Removed"),
        )
        .await
        .expect_err("conflict");
    match refused {
        PipelineError::Conflict { underneath, .. } => {
            assert!(
                underneath
                    .iter()
                    .any(|c| c.path == "spec.logLevel" && c.after == Some(json!("Debug"))),
                "shows what changed underneath: {underneath:?}"
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let now = current(&admin).await;
    assert_eq!(
        now["spec"]["logLevel"], "Debug",
        "the first change survives"
    );
    assert_valid_against_shared_crd(&now);
    assert_ne!(now["spec"]["operatorLogLevel"], "Trace");
    assert_eq!(events(&p).await, 2, "the refused change recorded nothing");

    // The API server itself enforces the precondition the pipeline sends (a real 409).
    let stale = json!({ "metadata": { "resourceVersion": loaded_by_both["metadata"]["resourceVersion"] }, "spec": { "operatorLogLevel": "Trace" } });
    let direct = Api::<DynamicObject>::all_with(admin.clone(), &resource())
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&stale))
        .await;
    assert!(matches!(direct, Err(kube::Error::Api(s)) if s.code == 409));
    reset(&admin).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_audit_trail_applies_nothing() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.db");
    registry_console::db::open(&format!("sqlite://{}", file.display()))
        .await
        .expect("create")
        .close()
        .await;
    let ro = registry_console::db::open(&format!("sqlite://{}?mode=ro", file.display()))
        .await
        .expect("read-only");
    let p = ChangePipeline {
        audit: AuditStore::new(ro),
        fingerprints: FingerprintKey([3u8; 32]),
        min_reason: 10,
        follow_up_timeout: std::time::Duration::from_secs(60),
    };
    let base = current(&admin).await;
    let change = step(&base, |c| c["spec"]["logLevel"] = json!("TraceAll"));
    let refused = p
        .apply(
            admin.clone(),
            &requester("admin"),
            request("should never be applied", vec![change], "Removed"),
        )
        .await
        .expect_err("fail closed");
    assert!(
        matches!(refused, PipelineError::AuditUnavailable(_)),
        "{refused:?}"
    );
    let after = current(&admin).await;
    assert_eq!(
        after["metadata"]["resourceVersion"], base["metadata"]["resourceVersion"],
        "the cluster is unchanged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_rejections_rules_and_a_viewer_apply_nothing_and_record_nothing() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let base = current(&admin).await;

    // The CRD schema, checked by the console: a string where an integer belongs, and a
    // misspelt field the 1.20 API server would silently prune.
    let bad_type = step(&base, |c| {
        c["spec"]["logging"] = json!("loud");
        c["spec"]["logLevle"] = json!("Debug");
    });
    match p
        .apply(
            admin.clone(),
            &requester("admin"),
            request("deprecated logging field", vec![bad_type], "Removed"),
        )
        .await
    {
        Err(PipelineError::Invalid(violations)) => {
            let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
            assert!(fields.contains(&"spec.logging"), "{violations:?}");
            assert!(fields.contains(&"spec.logLevle"), "{violations:?}");
        }
        other => panic!("expected schema violations, got {other:?}"),
    }

    // What only the API server knows: an invalid label key, refused in the dry run.
    let bad_label = step(&base, |c| {
        c["metadata"]["labels"] = json!({ "not a valid key!": "x" })
    });
    match p
        .apply(
            admin.clone(),
            &requester("admin"),
            request("label the registry config", vec![bad_label], "Removed"),
        )
        .await
    {
        Err(PipelineError::DryRunRejected { message, .. }) => {
            assert!(message.contains("422"), "{message}")
        }
        other => panic!("expected a dry-run rejection, got {other:?}"),
    }

    // The console's own rules: emptyDir with two replicas.
    let two = step(&base, |c| {
        c["spec"]["managementState"] = json!("Managed");
        c["spec"]["replicas"] = json!(2);
        c["spec"]["storage"] = json!({ "emptyDir": {} });
    });
    match p
        .apply(
            admin.clone(),
            &requester("admin"),
            request("two pods on emptyDir", vec![two], "Removed"),
        )
        .await
    {
        Err(PipelineError::Invalid(violations)) => {
            assert!(
                violations
                    .iter()
                    .any(|v| v.field == "spec.replicas" && v.key == "rule.emptydir.replicas")
            )
        }
        other => panic!("expected rule violations, got {other:?}"),
    }

    // A short reason.
    let fine = step(&base, |c| c["spec"]["logLevel"] = json!("Debug"));
    assert_eq!(
        p.apply(
            admin.clone(),
            &requester("admin"),
            request("why", vec![fine.clone()], "Removed")
        )
        .await,
        Err(PipelineError::ReasonTooShort { min: 10 })
    );

    // A viewer: the API server refuses the dry run as that user.
    let viewer = client_for("viewer").await;
    match p
        .apply(
            viewer,
            &requester("viewer"),
            request("viewer tries to change it", vec![fine], "Removed"),
        )
        .await
    {
        Err(PipelineError::DryRunRejected { message, .. }) => {
            assert!(
                message.contains("403") && message.contains("oidc:viewer"),
                "{message}"
            )
        }
        other => panic!("expected the API server's 403, got {other:?}"),
    }

    assert_eq!(events(&p).await, 0, "nothing recorded");
    let after = current(&admin).await;
    assert_eq!(
        after["metadata"]["resourceVersion"], base["metadata"]["resourceVersion"],
        "unchanged"
    );
}
