//! The change pipeline against the sandbox's real API server (acting as real OIDC users)
//! with real SQLite audit files: the guide's Removed → Managed, creating and deleting
//! objects (the guide's CA trust: a ConfigMap plus the image config in one change),
//! conflicts (an object changed, created or deleted underneath, racing applies), the audit
//! trail failing closed, whole-request checks, dry-run rejections, rule violations and a
//! viewer's attempt.

use app::domain::change::{ConflictKind, FollowUpKind, FollowUpState, Operation};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use registry_console::audit::redact::FingerprintKey;
use registry_console::audit::store::{Actor, AuditStore, Filter};
use registry_console::change::pipeline::Confirmations;
use registry_console::change::{
    ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, Step,
};
use registry_console::kube::resources::{CONFIG_MAP, IMAGE_CONFIG, REGISTRY_CONFIG, SECRET};
use registry_console_sandbox::harness;
use registry_console_sandbox::sandbox::token_client;
use serde_json::{Value, json};
use std::sync::Arc;

/// Tests in this file change the one registry Config; one at a time.
static CONFIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn configs(client: &kube::Client) -> Api<DynamicObject> {
    REGISTRY_CONFIG.api(client.clone(), None)
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
    let config = configs(client).get("cluster").await.expect("config");
    serde_json::to_value(config).expect("json")
}

/// Puts the Config back to the fresh-install state (admin, outside the pipeline).
async fn reset(admin: &kube::Client) {
    let patch = json!({ "spec": { "managementState": "Removed", "replicas": 1, "rolloutStrategy": "RollingUpdate", "logLevel": "Normal", "operatorLogLevel": "Normal", "storage": { "pvc": null, "emptyDir": null } } });
    configs(admin)
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("reset");
}

/// The written object is valid against the real CRD in the repository's `crds/` (read from
/// the file, not the compiled-in copy), including what the 1.20 API server does not check
/// (unknown fields it would prune, CEL rules).
fn assert_valid_against_shared_crd(object: &Value) {
    assert_valid_against(object, "00_configs.crd.yaml");
}

fn assert_valid_against(object: &Value, crd_file: &str) {
    let path = format!("{}/../crds/{crd_file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("the repository's crds/");
    let schema = registry_console::change::crds::load_crd_schema(&text, "v1").expect("schema");
    let problems = registry_console::change::schema::validate(
        schema.pointer("/properties/spec").expect("spec schema"),
        object.get("spec").expect("spec"),
        "spec",
    );
    assert!(problems.is_empty(), "{problems:?}");
}

async fn pipeline(dir: &std::path::Path) -> Arc<ChangePipeline> {
    let pool = registry_console::db::open(&format!("sqlite://{}", dir.join("audit.db").display()))
        .await
        .expect("db");
    Arc::new(ChangePipeline::new(
        AuditStore::new(pool),
        FingerprintKey([3u8; 32]),
        10..=200,
        std::time::Duration::from_secs(60),
    ))
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
    Step::patch(
        REGISTRY_CONFIG,
        None,
        "cluster",
        base.clone(),
        false,
        desired,
    )
}

fn request(reason: &str, steps: Vec<Step>) -> ChangeRequest {
    ChangeRequest {
        reason: reason.into(),
        steps,
        confirmations: Confirmations::default(),
        follow_up: FollowUpPlan::RegistryRollout,
        warnings: Vec::new(),
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
            request("guide 2.1: bare metal, shared claim", vec![change]),
        )
        .await
        .expect("applied");
    let preview = &applied.steps[0];
    assert_eq!(
        preview.oc_command,
        r#"oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"managementState":"Managed","storage":{"pvc":{"claim":""}}}}'"#
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

/// The console refuses a ReadWriteOnce claim with RollingUpdate before anything is
/// applied; written with kubectl instead, the operator refuses it, and the follow-up of a
/// change at that generation records Degraded with the operator's message.
#[tokio::test(flavor = "multi_thread")]
async fn read_write_once_is_refused_first_and_the_follow_up_records_the_operators_refusal() {
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
    match p
        .apply(
            admin.clone(),
            &requester("admin"),
            request("block storage for the registry", vec![change]),
        )
        .await
    {
        Err(PipelineError::Invalid(violations)) => assert!(
            violations
                .iter()
                .any(|v| v.field == "spec.rolloutStrategy" && v.key == "rule.pvc.rwo_strategy"),
            "{violations:?}"
        ),
        other => panic!("expected the ReadWriteOnce rule, got {other:?}"),
    }

    // A change the console accepts (followed by hand below), then the Config is set to the
    // claim with kubectl, outside the console.
    let accepted = step(&base, |c| c["spec"]["logLevel"] = json!("Debug"));
    let mut applied = p
        .apply(
            admin.clone(),
            &requester("admin"),
            no_follow_up("debug logs while setting up storage", vec![accepted]),
        )
        .await
        .expect("applied");
    let written = configs(&admin)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "spec": { "managementState": "Managed", "storage": { "pvc": { "claim": "pipeline-rwo" } } } })),
        )
        .await
        .expect("kubectl-style patch");
    applied.follow_up = FollowUpKind::RegistryRollout {
        generation: written.metadata.generation.expect("generation"),
    };
    let outcome = p
        .follow_up(admin.clone(), &requester("admin"), &applied)
        .await;
    assert_eq!(outcome, FollowUpState::Degraded);
    let view = p.follow_ups.get(&applied.change_id).expect("followed");
    assert!(view.message.contains("ReadWriteOnce"), "{}", view.message);
    // As the real operator says a claim's problem: Progressing, not yet Degraded.
    assert!(
        view.conditions
            .iter()
            .any(|c| c.kind == "Progressing" && c.status == "True" && c.reason == "Error")
    );
    let rows = p
        .audit
        .list(&Filter::default(), None, 10)
        .await
        .expect("list");
    assert_eq!(rows[0].change_id, applied.change_id);
    assert_eq!(rows[0].outcome, "degraded");
    reset(&admin).await;
    let _ = claims.delete("pipeline-rwo", &Default::default()).await;
}

/// Removed deletes the claim the operator created, but the Config still names it: going
/// back to Managed is refused, naming the claim and the fix, instead of a pod that stays
/// Pending ("PVC does not exist").
#[tokio::test(flavor = "multi_thread")]
async fn managed_with_a_claim_that_does_not_exist_is_refused() {
    use k8s_openapi::api::core::v1::PersistentVolumeClaim;
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    let claims: Api<PersistentVolumeClaim> =
        Api::namespaced(admin.clone(), "openshift-image-registry");
    let _ = claims
        .delete("image-registry-storage", &Default::default())
        .await;
    for _ in 0..100 {
        if claims
            .get_opt("image-registry-storage")
            .await
            .expect("get")
            .is_none()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The state Removed leaves: the claim gone, its name still in the spec.
    configs(&admin)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "spec": { "managementState": "Removed", "storage": { "pvc": { "claim": "image-registry-storage" } } } })),
        )
        .await
        .expect("patch");
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let base = current(&admin).await;
    let change = step(&base, |c| c["spec"]["managementState"] = json!("Managed"));
    match p
        .preview(
            admin.clone(),
            &request("back to Managed after Removed", vec![change.clone()]),
        )
        .await
    {
        Err(PipelineError::Invalid(violations)) => assert!(
            violations
                .iter()
                .any(|v| v.field == "spec.storage.pvc.claim"
                    && v.key == "rule.pvc.claim_missing"
                    && v.params
                        .iter()
                        .any(|(k, val)| k == "claim" && val == "image-registry-storage")),
            "{violations:?}"
        ),
        other => panic!("expected the missing claim, got {other:?}"),
    }
    // With the claim left empty, the operator creates its claim again: accepted.
    let fixed = step(&base, |c| {
        c["spec"]["managementState"] = json!("Managed");
        c["spec"]["storage"] = json!({ "pvc": { "claim": "" } });
    });
    p.preview(
        admin.clone(),
        &request("back to Managed, the operator's own claim", vec![fixed]),
    )
    .await
    .expect("an empty claim is the operator's own");
    reset(&admin).await;
}

/// A follow-up ends when a newer change of the Config comes before it settled: the older
/// change is recorded "superseded by" the newer one, never credited with its health.
#[tokio::test(flavor = "multi_thread")]
async fn a_newer_change_supersedes_a_follow_up_that_has_not_settled() {
    use k8s_openapi::api::core::v1::PersistentVolumeClaim;
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    // A claim that can never bind (its class does not exist): the registry stays Pending.
    let claims: Api<PersistentVolumeClaim> =
        Api::namespaced(admin.clone(), "openshift-image-registry");
    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": { "name": "pipeline-unbindable" },
        "spec": { "accessModes": ["ReadWriteMany"], "storageClassName": "no-such-class", "resources": { "requests": { "storage": "10Gi" } } }
    }))
    .expect("claim");
    let _ = claims.create(&Default::default(), &claim).await;
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let base = current(&admin).await;
    let stuck = step(&base, |c| {
        c["spec"]["managementState"] = json!("Managed");
        c["spec"]["storage"] = json!({ "pvc": { "claim": "pipeline-unbindable" } });
    });
    let first = p
        .apply(
            admin.clone(),
            &requester("admin"),
            request("shared claim for the registry", vec![stuck]),
        )
        .await
        .expect("applied");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        p.follow_ups.get(&first.change_id).map(|v| v.state),
        Some(FollowUpState::Pending),
        "the claim cannot bind"
    );
    let base = current(&admin).await;
    let fix = step(&base, |c| {
        c["spec"]["storage"] = json!({ "emptyDir": {} });
    });
    let second = p
        .apply(
            admin.clone(),
            &requester("admin"),
            request("emptyDir until the claim binds", vec![fix]),
        )
        .await
        .expect("applied");
    let view = followed_until(&p, &first.change_id, |v| v.state.is_final()).await;
    assert_eq!(view.state, FollowUpState::Superseded);
    assert_eq!(
        view.superseded_by.as_deref(),
        Some(second.change_id.as_str())
    );
    let healthy = followed_until(&p, &second.change_id, |v| v.state.is_final()).await;
    assert_eq!(healthy.state, FollowUpState::Healthy);
    let rows = p
        .audit
        .list(&Filter::default(), None, 10)
        .await
        .expect("list");
    let outcome = |id: &str| {
        rows.iter()
            .find(|r| r.change_id == id)
            .map(|r| r.outcome.clone())
    };
    assert_eq!(outcome(&first.change_id).as_deref(), Some("superseded"));
    assert_eq!(outcome(&second.change_id).as_deref(), Some("healthy"));
    reset(&admin).await;
    let _ = claims
        .delete("pipeline-unbindable", &Default::default())
        .await;
}

/// The follow-up of `change_id` once `done` holds (the pipeline follows it in the
/// background), asked every 200 ms for up to 60 s.
async fn followed_until(
    p: &ChangePipeline,
    change_id: &str,
    done: impl Fn(&app::domain::change::FollowUpView) -> bool,
) -> app::domain::change::FollowUpView {
    for _ in 0..300 {
        if let Some(view) = p.follow_ups.get(change_id)
            && done(&view)
        {
            // The outcome is recorded right after the last state is kept.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            return view;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the follow-up of {change_id} did not end");
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
        request("debug logs for ticket 42", vec![first]),
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
            request("trace the operator please", vec![second]),
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
    let direct = configs(&admin)
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
    let p = Arc::new(ChangePipeline::new(
        AuditStore::new(ro),
        FingerprintKey([3u8; 32]),
        10..=200,
        std::time::Duration::from_secs(60),
    ));
    let base = current(&admin).await;
    let change = step(&base, |c| c["spec"]["logLevel"] = json!("TraceAll"));
    let refused = p
        .apply(
            admin.clone(),
            &requester("admin"),
            request("should never be applied", vec![change]),
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
            request("deprecated logging field", vec![bad_type]),
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
            request("label the registry config", vec![bad_label]),
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
            request("two pods on emptyDir", vec![two]),
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
            request("why", vec![fine.clone()])
        )
        .await,
        Err(PipelineError::ReasonTooShort { min: 10 })
    );

    // A reason longer than the limit (200 in these tests).
    assert_eq!(
        p.apply(
            admin.clone(),
            &requester("admin"),
            request(&"why ".repeat(51), vec![fine.clone()])
        )
        .await,
        Err(PipelineError::ReasonTooLong { max: 200 })
    );

    // A viewer: the API server refuses the dry run as that user.
    let viewer = client_for("viewer").await;
    match p
        .apply(
            viewer,
            &requester("viewer"),
            request("viewer tries to change it", vec![fine]),
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

const TRUST_NAMESPACE: &str = "openshift-config";

fn ca_pem() -> String {
    let mut params = rcgen::CertificateParams::new(vec![]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "registry.example.com CA");
    let key = rcgen::KeyPair::generate().expect("key");
    params.self_signed(&key).expect("cert").pem()
}

fn trust_map(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": name, "namespace": TRUST_NAMESPACE },
        "data": { "registry.example.com..5000": ca_pem() }
    })
}

async fn image_config(client: &kube::Client) -> Value {
    serde_json::to_value(
        IMAGE_CONFIG
            .api(client.clone(), None)
            .get("cluster")
            .await
            .expect("image config"),
    )
    .expect("json")
}

fn no_follow_up(reason: &str, steps: Vec<Step>) -> ChangeRequest {
    ChangeRequest {
        follow_up: FollowUpPlan::None,
        ..request(reason, steps)
    }
}

/// The guide's CA trust (2.5) as one change: `oc create configmap … --from-file=host..port`
/// and `oc edit image.config.openshift.io/cluster`. Written in the order given (image
/// config first) it is applied in a safe order: the ConfigMap before the reference to it.
/// Then removed again as one change: the reference goes first, the ConfigMap last.
#[tokio::test(flavor = "multi_thread")]
async fn a_configmap_and_the_image_config_are_created_patched_and_deleted_as_one_change() {
    let admin = client_for("admin").await;
    let name = format!("pipeline-cas-{}", std::process::id());
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let image = image_config(&admin).await;
    let mut trusting = image.clone();
    trusting["spec"]["additionalTrustedCA"] = json!({ "name": name });
    let change = no_follow_up(
        "guide 2.5: trust the mirror's CA",
        vec![
            Step::patch(
                IMAGE_CONFIG,
                None,
                "cluster",
                image.clone(),
                false,
                trusting,
            ),
            Step::create(CONFIG_MAP, Some(TRUST_NAMESPACE), trust_map(&name)),
        ],
    );
    let preview = p.preview(admin.clone(), &change).await.expect("preview");
    let order: Vec<(Operation, &str)> = preview
        .steps
        .iter()
        .map(|s| (s.operation, s.object.kind.as_str()))
        .collect();
    assert_eq!(
        order,
        vec![
            (Operation::Create, "ConfigMap"),
            (Operation::Patch, "Image")
        ]
    );
    // The guide's form (2.5): the CA from a file, under its `host..port` key.
    assert_eq!(
        preview.steps[0].oc_command,
        format!(
            "oc create configmap {name} --from-file=registry.example.com..5000=ca.crt -n openshift-config"
        )
    );
    assert_eq!(
        preview.steps[1].oc_command,
        format!(
            r#"oc patch images.config.openshift.io cluster --type merge -p '{{"spec":{{"additionalTrustedCA":{{"name":"{name}"}}}}}}'"#
        )
    );
    let applied = p
        .apply(admin.clone(), &requester("admin"), change)
        .await
        .expect("applied");
    assert_eq!(applied.follow_up, FollowUpKind::None);
    let now = image_config(&admin).await;
    assert_eq!(now["spec"]["additionalTrustedCA"]["name"], json!(name));
    assert_valid_against(&now, "0000_10_config-operator_01_images.crd.yaml");
    let map = CONFIG_MAP
        .api(admin.clone(), Some(TRUST_NAMESPACE))
        .get(&name)
        .await
        .expect("created");
    assert!(
        map.data["data"]["registry.example.com..5000"]
            .as_str()
            .is_some_and(|c| c.contains("BEGIN CERTIFICATE"))
    );

    // Recorded as one change: the intent names both objects; the created one has no before.
    let rows = p
        .audit
        .list(&Filter::default(), None, 10)
        .await
        .expect("list");
    assert_eq!(rows.len(), 1);
    let intent = &p
        .audit
        .change_events(&applied.change_id)
        .await
        .expect("events")[0];
    let payload: Value = serde_json::from_str(&intent.payload).expect("payload");
    assert_eq!(payload["objects"][0]["operation"], "Create");
    assert_eq!(payload["objects"][0]["before"], Value::Null);
    assert_eq!(payload["objects"][1]["before"]["spec"], image["spec"]);

    // Creating it again is a conflict that shows what is there; nothing is recorded.
    let again = no_follow_up(
        "create the same map twice",
        vec![Step::create(
            CONFIG_MAP,
            Some(TRUST_NAMESPACE),
            trust_map(&name),
        )],
    );
    match p.preview(admin.clone(), &again).await {
        Err(PipelineError::Conflict {
            kind: ConflictKind::Exists,
            underneath,
            ..
        }) => assert!(
            underneath.iter().any(|c| c.path.starts_with("data")),
            "{underneath:?}"
        ),
        other => panic!("expected an exists conflict, got {other:?}"),
    }

    // Removing it: the reference first, the ConfigMap last; the deleted one has no after.
    let image = image_config(&admin).await;
    let mut untrusting = image.clone();
    untrusting["spec"]
        .as_object_mut()
        .expect("spec")
        .remove("additionalTrustedCA");
    let map_now = serde_json::to_value(&map).expect("json");
    let removal = no_follow_up(
        "the mirror is retired, untrust it",
        vec![
            Step::delete(CONFIG_MAP, Some(TRUST_NAMESPACE), &name, map_now, false),
            Step::patch(IMAGE_CONFIG, None, "cluster", image, false, untrusting),
        ],
    );
    let removed = p
        .apply(admin.clone(), &requester("admin"), removal)
        .await
        .expect("removed");
    assert_eq!(
        removed
            .steps
            .iter()
            .map(|s| s.operation)
            .collect::<Vec<_>>(),
        vec![Operation::Patch, Operation::Delete]
    );
    assert_eq!(
        removed.steps[1].oc_command,
        format!("oc delete configmaps {name} -n {TRUST_NAMESPACE}")
    );
    assert!(
        CONFIG_MAP
            .api(admin.clone(), Some(TRUST_NAMESPACE))
            .get_opt(&name)
            .await
            .expect("read")
            .is_none()
    );
    let intent = &p
        .audit
        .change_events(&removed.change_id)
        .await
        .expect("events")[0];
    let payload: Value = serde_json::from_str(&intent.payload).expect("payload");
    assert_eq!(payload["objects"][1]["operation"], "Delete");
    assert_eq!(payload["objects"][1]["after"], Value::Null);
    assert!(
        image_config(&admin).await["spec"]
            .get("additionalTrustedCA")
            .is_none()
    );
}

/// A delete carries the version the user saw: an object changed since is a conflict, and
/// the dry run refuses a viewer's delete.
#[tokio::test(flavor = "multi_thread")]
async fn a_delete_with_a_stale_version_is_refused_and_a_viewer_cannot_delete() {
    let admin = client_for("admin").await;
    let name = format!("pipeline-stale-{}", std::process::id());
    let maps = CONFIG_MAP.api(admin.clone(), Some(TRUST_NAMESPACE));
    let created = maps
        .create(
            &Default::default(),
            &serde_json::from_value(trust_map(&name)).expect("map"),
        )
        .await
        .expect("created");
    let seen = serde_json::to_value(&created).expect("json");
    maps.patch(
        &name,
        &PatchParams::default(),
        &Patch::Merge(&json!({ "data": { "mirror.example.com": "changed by someone else" } })),
    )
    .await
    .expect("changed underneath");
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let stale = no_follow_up(
        "remove the old CA bundle",
        vec![Step::delete(
            CONFIG_MAP,
            Some(TRUST_NAMESPACE),
            &name,
            seen,
            false,
        )],
    );
    match p.apply(admin.clone(), &requester("admin"), stale).await {
        Err(PipelineError::Conflict {
            kind: ConflictKind::Changed,
            underneath,
            ..
        }) => assert!(
            underneath
                .iter()
                .any(|c| c.path == "data.mirror.example.com"),
            "{underneath:?}"
        ),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(
        maps.get_opt(&name).await.expect("read").is_some(),
        "not deleted"
    );

    let now = serde_json::to_value(maps.get(&name).await.expect("read")).expect("json");
    let viewer = client_for("viewer").await;
    let by_viewer = no_follow_up(
        "viewer removes the bundle",
        vec![Step::delete(
            CONFIG_MAP,
            Some(TRUST_NAMESPACE),
            &name,
            now.clone(),
            false,
        )],
    );
    match p.apply(viewer, &requester("viewer"), by_viewer).await {
        Err(PipelineError::DryRunRejected { message, .. }) => {
            assert!(message.contains("403"), "{message}")
        }
        // The viewer may not even read ConfigMaps in openshift-config.
        Err(PipelineError::Kubernetes(message)) => assert!(message.contains("403"), "{message}"),
        other => panic!("expected the API server's 403, got {other:?}"),
    }
    assert_eq!(events(&p).await, 0, "nothing recorded");
    let current = no_follow_up(
        "remove the old CA bundle",
        vec![Step::delete(
            CONFIG_MAP,
            Some(TRUST_NAMESPACE),
            &name,
            now,
            false,
        )],
    );
    p.apply(admin.clone(), &requester("admin"), current)
        .await
        .expect("deleted with the current version");
    assert!(maps.get_opt(&name).await.expect("read").is_none());
}

/// A whole-request check: the credentials Secret written in the same change must carry the
/// keys of the storage type the Config gets. Nothing is created when it does not.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_and_a_config_that_disagree_are_refused_as_one_request() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let base = current(&admin).await;
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": { "name": "image-registry-private-configuration-user", "namespace": "openshift-image-registry" },
        "stringData": { "REGISTRY_STORAGE_S3_ACCESSKEY": "canary-access", "REGISTRY_STORAGE_S3_SECRETKEY": "canary-secret" }
    });
    let azure = step(&base, |c| {
        c["spec"]["storage"] =
            json!({ "azure": { "accountName": "registry1", "container": "images" } });
    });
    let change = request(
        "azure storage with the wrong keys",
        vec![
            Step::create(SECRET, Some("openshift-image-registry"), secret),
            azure,
        ],
    );
    match p.preview(admin.clone(), &change).await {
        Err(PipelineError::Invalid(violations)) => {
            let found = violations
                .iter()
                .find(|v| v.key == "rule.credentials.keys")
                .expect("credentials rule");
            assert_eq!(found.field, "secret.data");
            let shown = serde_json::to_string(&violations).expect("json");
            assert!(!shown.contains("canary"), "values never shown: {shown}");
        }
        other => panic!("expected the whole-request check, got {other:?}"),
    }
    assert!(
        SECRET
            .api(admin.clone(), Some("openshift-image-registry"))
            .get_opt("image-registry-private-configuration-user")
            .await
            .expect("read")
            .is_none(),
        "nothing created"
    );
}

/// Twenty admins apply from the same version at once: exactly one change is applied, and
/// every other gets a conflict with what changed underneath (the API server's 409 in the
/// dry run is a conflict too, not a rejection).
#[tokio::test(flavor = "multi_thread")]
async fn racing_applies_from_one_version_give_one_apply_and_conflicts() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let base = current(&admin).await;
    let levels = ["Debug", "Trace", "TraceAll"];
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (p, admin, base) = (p.clone(), admin.clone(), base.clone());
            let level = levels[i % levels.len()];
            tokio::spawn(async move {
                let change = step(&base, |c| {
                    c["spec"]["operatorLogLevel"] = json!(level);
                    c["spec"]["logging"] = json!(i);
                });
                p.apply(
                    admin,
                    &requester(&format!("admin-{i}")),
                    no_follow_up("race for the operator log level", vec![change]),
                )
                .await
            })
        })
        .collect();
    let mut applied = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => applied += 1,
            Err(PipelineError::Conflict { underneath, .. }) => {
                assert!(!underneath.is_empty(), "a conflict shows what changed")
            }
            Err(other) => panic!("expected a conflict, got {other:?}"),
        }
    }
    assert_eq!(applied, 1);
    reset(&admin).await;
}

/// Three consoles (each its own pipeline and pool) on one PostgreSQL database, 20 admins
/// each, all applying from the same version at once: one change is applied, the other 59
/// get a conflict (nothing overwritten), and the one chain is intact, with one intent and
/// one result for every change that got as far as its intent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_consoles_on_postgres_racing_give_one_apply_and_one_chain() {
    let _lock = CONFIG_LOCK.lock().await;
    let admin = client_for("admin").await;
    reset(&admin).await;
    let url = harness::postgres_database("race");
    let mut consoles = Vec::new();
    for _ in 0..3 {
        consoles.push(Arc::new(ChangePipeline::new(
            AuditStore::new(registry_console::db::open(&url).await.expect("db")),
            FingerprintKey([3u8; 32]),
            10..=200,
            std::time::Duration::from_secs(60),
        )));
    }
    let base = current(&admin).await;
    // Every admin's value differs from the current one (no "no change").
    let first = base["spec"]["logging"].as_u64().unwrap_or(0) + 1;
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let (p, admin, base) = (consoles[i % 3].clone(), admin.clone(), base.clone());
            tokio::spawn(async move {
                let change = step(&base, |c| c["spec"]["logging"] = json!(first + i as u64));
                p.apply(
                    admin,
                    &requester(&format!("admin-{i}")),
                    no_follow_up("race across three consoles", vec![change]),
                )
                .await
            })
        })
        .collect();
    let (mut applied, mut conflicts) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => applied += 1,
            Err(PipelineError::Conflict { .. }) => conflicts += 1,
            Err(other) => panic!("expected a conflict, got {other:?}"),
        }
    }
    assert_eq!((applied, conflicts), (1, 59));
    let store = &consoles[0].audit;
    let mut kinds = std::collections::HashMap::<String, Vec<String>>::new();
    let mut events = std::pin::pin!(store.events());
    while let Some(event) = futures::StreamExt::next(&mut events).await {
        let event = event.expect("event");
        kinds
            .entry(event.change_id)
            .or_default()
            .push(event.kind.as_str().to_string());
    }
    // A conflict found before anything is attempted (the base already stale when the
    // change is checked) records nothing; every change that recorded an intent has
    // exactly one result.
    assert!(!kinds.is_empty() && kinds.len() <= 60, "{}", kinds.len());
    assert!(
        kinds.values().all(|k| k == &["intent", "result"]),
        "{kinds:?}"
    );
    assert_eq!(
        store.verify().await.expect("read"),
        Ok(2 * kinds.len() as u64),
        "one intact chain"
    );
    reset(&admin).await;
}
