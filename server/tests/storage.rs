//! The storage wizard against a real console, the sandbox's API server, operator and
//! claim binder: each path writes what the guide's `oc` commands write (expected objects
//! written out by hand from the guide), valid against the CRDs; the operator rolls out or
//! reports the storage condition; credentials never come back (a canary value is searched
//! for in every response, the audit export and the console's log); viewers are refused by
//! the console and by the API server; a stale version is a conflict.

mod support;

use app::domain::storage::wizard::{StorageForm, StorageIntent, StorageSubmission, StorageView};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};
use std::time::Duration;
use support::{
    SandboxConsole, admin_kube, capture_logs, captured_log, config_now, configs,
    start_sandbox_console, valid, without_status,
};

/// Tests in this file change the one registry Config; one at a time.
static CONFIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const NS: &str = "openshift-image-registry";
const SECRET: &str = "image-registry-private-configuration-user";

fn api(
    client: kube::Client,
    group: &str,
    kind: &str,
    plural: &str,
    ns: Option<&str>,
) -> Api<DynamicObject> {
    support::dynamic_api(&client, group, "v1", kind, plural, ns)
}

fn claims(client: kube::Client) -> Api<DynamicObject> {
    api(
        client,
        "",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        Some(NS),
    )
}

fn secrets(client: kube::Client) -> Api<DynamicObject> {
    api(client, "", "Secret", "secrets", Some(NS))
}

/// A fresh bare-metal install: Removed, no storage, no claims, no credentials.
async fn reset(kube: &kube::Client) {
    let patch = json!({ "spec": { "managementState": "Removed", "replicas": 1, "rolloutStrategy": null,
        "storage": { "emptyDir": null, "pvc": null, "s3": null, "gcs": null, "azure": null, "swift": null } } });
    configs(kube.clone())
        .patch("cluster", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("reset");
    for name in ["image-registry-storage", "registry-block"] {
        let _ = claims(kube.clone()).delete(name, &Default::default()).await;
    }
    let _ = secrets(kube.clone())
        .delete(SECRET, &Default::default())
        .await;
    // Deleted claims linger while their finalizers run.
    for _ in 0..50 {
        let left = claims(kube.clone())
            .list(&Default::default())
            .await
            .expect("claims")
            .items;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

type User = support::Browser;

async fn user(console: &SandboxConsole, name: &str) -> User {
    User::open(console, name, "/storage").await
}

impl User {
    async fn load(&self, console: &SandboxConsole) -> (StorageView, String) {
        let (status, body, text) = self.call(console, "storage", &[]).await;
        assert_eq!(status, 200, "{text}");
        (serde_json::from_value(body).expect("StorageView"), text)
    }

    async fn submit(
        &self,
        console: &SandboxConsole,
        function: &str,
        draft: &StorageSubmission,
        reason: &str,
    ) -> (u16, Value, String) {
        let json = serde_json::to_string(draft).expect("json");
        self.call(
            console,
            function,
            &[
                ("area", "Storage".to_string()),
                ("draft", json),
                ("reason", reason.to_string()),
            ],
        )
        .await
    }
}

fn draft(view: &StorageView, form: StorageForm) -> StorageSubmission {
    StorageSubmission {
        config_version: view.config_version.clone(),
        config_spec: view.spec.clone(),
        secret_version: view
            .credentials
            .as_ref()
            .ok()
            .and_then(|c| c.version.clone()),
        form,
        ..Default::default()
    }
}

/// Waits until the Config's condition `kind` has `status`; returns the condition.
async fn condition(kube: &kube::Client, kind: &str, status: &str) -> Value {
    for _ in 0..150 {
        let config = config_now(kube).await;
        if let Some(found) = config["status"]["conditions"].as_array().and_then(|l| {
            l.iter()
                .find(|c| c["type"] == kind && c["status"] == status)
        }) {
            return found.clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "{kind} never became {status}: {}",
        config_now(kube).await["status"]
    );
}

/// Follows the change (as the page does) until the registry runs; its last view.
async fn healthy(admin: &User, console: &SandboxConsole, change: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..150 {
        let (_, follow, _) = admin
            .call(
                console,
                "change_follow_up",
                &[("change_id", change.to_string())],
            )
            .await;
        if follow["state"] == "Healthy" {
            return follow;
        }
        last = follow;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the rollout never became healthy: {last}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bare_metal_from_removed_is_the_guides_procedure_in_one_change() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = user(&console, "admin").await;
    let (view, _) = admin.load(&console).await;
    assert_eq!(view.platform, Ok(Some("BareMetal".to_string())));
    assert_eq!(view.management_state, "Removed");
    let classes = view.storage_classes.clone().expect("classes");
    assert!(classes.iter().any(|c| c.default));

    let form = StorageForm {
        path: "pvc".into(),
        ..StorageForm::new()
    };
    let (status, applied, text) = admin
        .submit(
            &console,
            "apply_change",
            &draft(&view, form),
            "bare metal: registry on shared storage",
        )
        .await;
    assert_eq!(status, 200, "{text}");
    // Guide 3.4.2 (`{"spec":{"managementState":"Managed"}}`) and 3.4.4 (`storage: pvc:
    // claim:` left empty) as one merge patch.
    assert_eq!(
        applied["steps"][0]["oc_command"],
        r#"oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"managementState":"Managed","storage":{"pvc":{}}}}'"#
    );
    let spec = config_now(&kube).await["spec"].clone();
    assert_eq!(spec["managementState"], "Managed");
    assert!(spec["storage"]["pvc"].is_object(), "{spec}");
    valid(
        "imageregistry.operator.openshift.io",
        "Config",
        &without_status(config_now(&kube).await),
    );

    // The operator creates its claim (RWX, 100Gi), the binder binds it, the registry runs.
    let change = applied["change_id"].as_str().expect("id").to_string();
    let follow = healthy(&admin, &console, &change).await;
    assert_eq!(follow["claim"], "image-registry-storage");
    let claim = serde_json::to_value(
        claims(kube.clone())
            .get("image-registry-storage")
            .await
            .expect("operator's claim"),
    )
    .expect("json");
    assert_eq!(claim["spec"]["accessModes"], json!(["ReadWriteMany"]));
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "100Gi");
    assert_eq!(claim["status"]["phase"], "Bound", "{claim}");
    let (after, _) = admin.load(&console).await;
    assert!(
        after
            .claims
            .expect("claims")
            .iter()
            .any(|c| c.name == "image-registry-storage" && c.phase == "Bound")
    );
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn block_storage_creates_its_claim_with_one_replica_and_recreate() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "replicas": 2 } })),
        )
        .await
        .expect("two replicas");
    let console = start_sandbox_console(&[]).await;
    let admin = user(&console, "admin").await;
    let (view, _) = admin.load(&console).await;
    let form = StorageForm {
        path: "block".into(),
        block_name: "registry-block".into(),
        block_class: "sandbox-block".into(),
        ..StorageForm::new()
    };
    let (status, applied, text) = admin
        .submit(
            &console,
            "apply_change",
            &draft(&view, form),
            "block storage for the registry",
        )
        .await;
    assert_eq!(status, 200, "{text}");
    // The claim comes first (the Config refers to it), then guide 3.4.6's patch.
    let commands: Vec<&str> = applied["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["oc_command"].as_str())
        .collect();
    assert!(
        commands[0].starts_with("oc create -f - <<'EOF'"),
        "{commands:?}"
    );
    assert_eq!(
        commands[1],
        r#"oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"managementState":"Managed","replicas":1,"rolloutStrategy":"Recreate","storage":{"pvc":{"claim":"registry-block"}}}}'"#
    );
    // Guide 3.5.5's pvc.yaml, in the registry's namespace, with the class picked.
    let expected_claim = json!({
        "kind": "PersistentVolumeClaim",
        "apiVersion": "v1",
        "metadata": { "name": "registry-block", "namespace": NS },
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": { "requests": { "storage": "100Gi" } },
            "storageClassName": "sandbox-block"
        }
    });
    let claim = serde_json::to_value(
        claims(kube.clone())
            .get("registry-block")
            .await
            .expect("claim"),
    )
    .expect("json");
    for pointer in [
        "/metadata/name",
        "/metadata/namespace",
        "/spec/accessModes",
        "/spec/resources",
        "/spec/storageClassName",
    ] {
        assert_eq!(
            claim.pointer(pointer),
            expected_claim.pointer(pointer),
            "{pointer}"
        );
    }
    let spec = config_now(&kube).await["spec"].clone();
    assert_eq!(
        (spec["replicas"].clone(), spec["rolloutStrategy"].clone()),
        (json!(1), json!("Recreate"))
    );
    assert_eq!(spec["storage"]["pvc"]["claim"], "registry-block");
    valid(
        "imageregistry.operator.openshift.io",
        "Config",
        &without_status(config_now(&kube).await),
    );

    // Followed until the claim is bound and the registry runs.
    let change = applied["change_id"].as_str().expect("id").to_string();
    let follow = healthy(&admin, &console, &change).await;
    assert_eq!(follow["claim"], "registry-block");
    assert_eq!(follow["claim_phase"], "Bound");

    // Opened again, the wizard is on the block path with that claim (not the
    // ReadWriteMany one), and previewing it as it is changes nothing: no "claim exists",
    // no second claim.
    let (again, _) = admin.load(&console).await;
    let form = again.wizard_state().form();
    assert_eq!(
        (form.path.as_str(), form.block_name.as_str()),
        ("block", "registry-block")
    );
    let (status, _, text) = admin
        .submit(&console, "preview_change", &draft(&again, form), "")
        .await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("NoChange"), "{text}");
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_credentials_are_write_only_rotation_is_its_own_change_and_the_sandbox_says_it_cannot_reach_s3()
 {
    capture_logs();
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = user(&console, "admin").await;
    let (view, _) = admin.load(&console).await;
    let canary_access = "AKIACANARY0123456789";
    let canary_secret = "canary/Secret+Key0123456789abcdefghijklmno";
    let form = StorageForm {
        path: "s3".into(),
        s3_bucket: "registry-images".into(),
        s3_region: "us-east-1".into(),
        s3_encrypt: true,
        ..StorageForm::new()
    };
    let mut s3 = draft(&view, form.clone());
    s3.credentials
        .insert("REGISTRY_STORAGE_S3_ACCESSKEY".into(), canary_access.into());
    s3.credentials
        .insert("REGISTRY_STORAGE_S3_SECRETKEY".into(), canary_secret.into());
    let mut bodies = Vec::new();

    let (status, preview, text) = admin.submit(&console, "preview_change", &s3, "").await;
    assert_eq!(status, 200, "{text}");
    bodies.push(text);
    // Guide 3.1.1's secret (values as placeholders), before the Config.
    assert_eq!(preview["steps"][0]["object"]["kind"], "Secret");
    assert_eq!(preview["steps"][1]["object"]["kind"], "Config");
    let (status, _, text) = admin
        .submit(&console, "apply_change", &s3, "S3 bucket for the registry")
        .await;
    assert_eq!(status, 200, "{text}");
    bodies.push(text);

    let secret = serde_json::to_value(secrets(kube.clone()).get(SECRET).await.expect("secret"))
        .expect("json");
    let decoded = registry_console::change::rules::secret_data(&secret);
    assert_eq!(
        decoded["REGISTRY_STORAGE_S3_ACCESSKEY"],
        canary_access.as_bytes()
    );
    assert_eq!(
        decoded["REGISTRY_STORAGE_S3_SECRETKEY"],
        canary_secret.as_bytes()
    );
    let spec = config_now(&kube).await["spec"].clone();
    assert_eq!(
        spec["storage"]["s3"],
        json!({ "bucket": "registry-images", "region": "us-east-1", "encrypt": true })
    );
    valid(
        "imageregistry.operator.openshift.io",
        "Config",
        &without_status(config_now(&kube).await),
    );
    // The sandbox does not pretend: it says it cannot reach S3.
    let exists = condition(&kube, "StorageExists", "Unknown").await;
    assert_eq!(exists["reason"], "SandboxCannotReachCloud");

    let (after, text) = admin.load(&console).await;
    bodies.push(text.clone());
    let credentials = after.credentials.clone().expect("readable");
    assert_eq!(
        credentials.keys,
        vec![
            "REGISTRY_STORAGE_S3_ACCESSKEY",
            "REGISTRY_STORAGE_S3_SECRETKEY"
        ]
    );
    assert_eq!(credentials.set_by.as_deref(), Some("Sandbox Admin"));
    let first_change = credentials.change_id.clone().expect("change");
    let html = admin
        .client
        .get(format!("{}/storage", console.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    bodies.push(html);

    // Rotation: the Secret only, its own audited change.
    let mut rotate = draft(&after, after.wizard_state().form());
    rotate.intent = StorageIntent::RotateCredentials;
    let rotated = "AKIAROTATEDCANARY999";
    rotate
        .credentials
        .insert("REGISTRY_STORAGE_S3_ACCESSKEY".into(), rotated.into());
    rotate.credentials.insert(
        "REGISTRY_STORAGE_S3_SECRETKEY".into(),
        format!("{canary_secret}-2"),
    );
    let (status, applied, text) = admin
        .submit(&console, "apply_change", &rotate, "rotate the S3 keys")
        .await;
    assert_eq!(status, 200, "{text}");
    bodies.push(text);
    assert_eq!(
        applied["steps"].as_array().map(Vec::len),
        Some(1),
        "the Secret only"
    );
    let (rotated_view, text) = admin.load(&console).await;
    bodies.push(text);
    let credentials = rotated_view.credentials.expect("readable");
    assert_ne!(
        credentials.change_id.as_deref(),
        Some(first_change.as_str()),
        "who and when of the rotation"
    );
    assert!(credentials.set_at.is_some());

    // Never in a response, the audit trail or the log.
    let export = admin
        .client
        .get(format!("{}/audit/export.jsonl", console.base))
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("text");
    assert!(export.contains("rotate the S3 keys") && export.contains("fingerprint:"));
    bodies.push(export);
    bodies.push(captured_log());
    for body in &bodies {
        for canary in [
            canary_access,
            canary_secret,
            rotated,
            "Q0FOQVJZ",
            "QUtJQUNBTkFSWT",
        ] {
            assert!(
                !body.contains(canary),
                "{canary} leaked: {}",
                &body[..body.len().min(400)]
            );
        }
    }
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_named_and_changes_nothing() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = user(&console, "admin").await;
    let (view, _) = admin.load(&console).await;
    let before = config_now(&kube).await["metadata"]["resourceVersion"].clone();
    let fields = |error: &Value| -> Vec<String> {
        error["Change"]["Invalid"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|v| v["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };

    // emptyDir without its confirmation.
    let empty = draft(
        &view,
        StorageForm {
            path: "emptyDir".into(),
            ..StorageForm::new()
        },
    );
    let (status, error, text) = admin
        .submit(&console, "apply_change", &empty, "try emptyDir")
        .await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(fields(&error), vec!["confirm.emptyDir"]);
    // S3 without credentials, with a bad bucket and a keyID but no encryption.
    let s3 = draft(
        &view,
        StorageForm {
            path: "s3".into(),
            s3_bucket: "Bad_Bucket".into(),
            s3_region: "us-east-1".into(),
            s3_key_id: "arn:aws:kms:k".into(),
            s3_chunk_size_mib: "4".into(),
            ..StorageForm::new()
        },
    );
    let (status, error, text) = admin.submit(&console, "preview_change", &s3, "").await;
    assert_eq!(status, 422, "{text}");
    for field in [
        "secret.REGISTRY_STORAGE_S3_ACCESSKEY",
        "spec.storage.s3.bucket",
        "spec.storage.s3.keyID",
        "spec.storage.s3.chunkSizeMiB",
    ] {
        assert!(
            fields(&error).contains(&field.to_string()),
            "{field}: {text}"
        );
    }
    // A GCS key file of the wrong project.
    let mut gcs = draft(
        &view,
        StorageForm {
            path: "gcs".into(),
            gcs_bucket: "registry-images".into(),
            gcs_project_id: "my-project-123".into(),
            ..StorageForm::new()
        },
    );
    gcs.credentials.insert("REGISTRY_STORAGE_GCS_KEYFILE".into(), json!({ "type": "service_account", "project_id": "other-project-9", "client_email": "r@other-project-9.iam.gserviceaccount.com", "private_key": "-----BEGIN PRIVATE KEY-----\nX\n-----END PRIVATE KEY-----\n" }).to_string());
    let (status, _, text) = admin.submit(&console, "preview_change", &gcs, "").await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("rule.gcs.keyfile_project"), "{text}");
    // A block claim on a class the cluster does not have.
    let block = draft(
        &view,
        StorageForm {
            path: "block".into(),
            block_class: "gold".into(),
            ..StorageForm::new()
        },
    );
    let (status, error, text) = admin.submit(&console, "preview_change", &block, "").await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(fields(&error), vec!["claim.storageClassName"]);

    assert_eq!(
        config_now(&kube).await["metadata"]["resourceVersion"],
        before
    );
    assert!(
        secrets(kube.clone())
            .get_opt(SECRET)
            .await
            .expect("get")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_version_is_a_conflict_and_viewers_are_refused_twice() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = user(&console, "admin").await;
    let (stale, _) = admin.load(&console).await;
    configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "logLevel": "Debug" } })),
        )
        .await
        .expect("someone else");
    let pvc = draft(
        &stale,
        StorageForm {
            path: "pvc".into(),
            ..StorageForm::new()
        },
    );
    let (status, error, text) = admin
        .submit(&console, "apply_change", &pvc, "bare metal storage")
        .await;
    assert_eq!(status, 409, "{text}");
    assert!(
        error["Change"]["Conflict"]["underneath"]
            .as_array()
            .expect("diff")
            .iter()
            .any(|c| c["path"] == "spec.logLevel")
    );
    assert_eq!(
        config_now(&kube).await["spec"]["managementState"],
        "Removed"
    );

    // A viewer reads the page, but the console refuses the change…
    let viewer = user(&console, "viewer").await;
    let (view, _) = viewer.load(&console).await;
    assert!(
        view.credentials.is_err(),
        "viewers cannot read secrets: {:?}",
        view.credentials
    );
    let mut s3 = draft(
        &view,
        StorageForm {
            path: "s3".into(),
            s3_bucket: "images".into(),
            s3_region: "us-east-1".into(),
            ..StorageForm::new()
        },
    );
    s3.credentials
        .insert("REGISTRY_STORAGE_S3_ACCESSKEY".into(), "a".into());
    s3.credentials
        .insert("REGISTRY_STORAGE_S3_SECRETKEY".into(), "b".into());
    let (status, _, text) = viewer
        .submit(&console, "apply_change", &s3, "viewer tries")
        .await;
    assert_eq!(status, 403, "{text}");
    // …and so does the API server, as the viewer.
    let sandbox = registry_console_sandbox::harness::shared();
    let tokens =
        registry_console_sandbox::oidc_login::sign_in(&sandbox.oidc, "viewer", "viewer-password")
            .await
            .expect("tokens");
    let kubeconfig = kube::config::Kubeconfig::read_from(&sandbox.kubeconfig).expect("kubeconfig");
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    config.auth_info = kube::config::AuthInfo {
        token: Some(tokens.id_token.clone().into()),
        ..Default::default()
    };
    let as_viewer = kube::Client::try_from(config).expect("client");
    let secret: DynamicObject = serde_json::from_value(json!({ "apiVersion": "v1", "kind": "Secret", "metadata": { "name": SECRET, "namespace": NS }, "stringData": { "REGISTRY_STORAGE_S3_ACCESSKEY": "a" } })).expect("secret");
    let refused = secrets(as_viewer.clone())
        .create(&Default::default(), &secret)
        .await
        .expect_err("viewer");
    assert!(
        matches!(refused, kube::Error::Api(ref s) if s.code == 403),
        "{refused:?}"
    );
    let refused = configs(as_viewer)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "storage": { "emptyDir": {} } } })),
        )
        .await
        .expect_err("viewer");
    assert!(
        matches!(refused, kube::Error::Api(ref s) if s.code == 403),
        "{refused:?}"
    );
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_that_cannot_bind_says_why_and_live_checks_answer_in_the_users_language() {
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    // A shared claim on a class the cluster does not have: the binder says so in an event.
    let stuck: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": { "name": "registry-block", "namespace": NS },
        "spec": { "accessModes": ["ReadWriteMany"], "resources": { "requests": { "storage": "100Gi" } }, "storageClassName": "gold" }
    }))
    .expect("claim");
    claims(kube.clone())
        .create(&Default::default(), &stuck)
        .await
        .expect("create");
    let console = start_sandbox_console(&[]).await;
    let admin = user(&console, "admin").await;
    let (view, _) = admin.load(&console).await;
    let form = StorageForm {
        path: "pvc".into(),
        claim: "registry-block".into(),
        ..StorageForm::new()
    };
    let (status, applied, text) = admin
        .submit(
            &console,
            "apply_change",
            &draft(&view, form),
            "registry on the gold claim",
        )
        .await;
    assert_eq!(status, 200, "{text}");
    let change = applied["change_id"].as_str().expect("id").to_string();
    let mut why = Value::Null;
    for _ in 0..100 {
        let (_, follow, _) = admin
            .call(
                &console,
                "change_follow_up",
                &[("change_id", change.clone())],
            )
            .await;
        if follow["claim_event"].is_string() {
            why = follow;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(why["claim_phase"], "Pending", "{why}");
    assert_eq!(why["state"], "Pending", "the registry cannot start: {why}");
    assert!(
        why["claim_event"]
            .as_str()
            .is_some_and(|e| e.contains("ProvisioningFailed") && e.contains("\"gold\" not found")),
        "{why}"
    );

    // The wizard's live check (the review's Check step), in Japanese.
    let bad = draft(
        &view,
        StorageForm {
            path: "s3".into(),
            s3_bucket: "Bad_Bucket".into(),
            ..StorageForm::new()
        },
    );
    let response = admin
        .client
        .post(format!("{}/api/review_change", console.base))
        .header("origin", &console.base)
        .header("x-csrf-token", &admin.csrf)
        .header("accept-language", "ja")
        .form(&[
            ("area", "Storage".to_string()),
            ("step", "Check".to_string()),
            ("draft", serde_json::to_string(&bad).expect("json")),
        ])
        .send()
        .await
        .expect("check");
    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.expect("json");
    let errors = reply["field_errors"].as_array().expect("errors");
    let bucket = errors
        .iter()
        .find(|e| e["field"] == "spec.storage.s3.bucket")
        .expect("the bucket is named");
    assert!(
        bucket["text"]
            .as_str()
            .is_some_and(|t| t.contains("有効な S3 バケット名ではありません")),
        "{bucket}"
    );
    assert!(
        reply["html"].as_str().is_some_and(str::is_empty),
        "no panel, only the fields"
    );
    reset(&kube).await;
}

impl User {
    /// Posts one step's plain form as a browser without JavaScript does (the CSRF token in
    /// the form, redirects followed): the page it lands on and that page's address.
    async fn post_step(&self, console: &SandboxConsole, form: &[(&str, &str)]) -> (String, String) {
        let mut body: Vec<(&str, &str)> = vec![("csrf_token", &self.csrf)];
        body.extend_from_slice(form);
        let response = self
            .client
            .post(format!("{}/storage/steps", console.base))
            .header("origin", &console.base)
            .form(&body)
            .send()
            .await
            .expect("step");
        assert_eq!(response.status(), 303, "sent on to a step's page");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("location")
            .to_string();
        (location.clone(), self.page(console, &location).await)
    }
}

fn draft_of(url: &str) -> String {
    url.split("draft=")
        .nth(1)
        .and_then(|rest| rest.split(['&', '#']).next())
        .expect("a draft id")
        .to_string()
}

/// The wizard in steps, as a browser without JavaScript uses it: path → S3 fields (a
/// missing bucket sends the admin back to that step, named) → credentials → the shared
/// review → apply. The objects are the island's; the typed credentials reach the Secret
/// and no page; another session cannot use the draft; an unknown draft says it expired;
/// a viewer's post is refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_in_steps_works_without_javascript_and_keeps_credentials_off_the_pages() {
    capture_logs();
    let _lock = CONFIG_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = user(&console, "admin").await;
    let canary = "canary/StepSecret+0123456789abcdefghijklmnop";
    let mut pages = Vec::new();

    let (url, html) = admin
        .post_step(
            &console,
            &[
                ("step", "path"),
                ("draft", ""),
                ("action", "next"),
                ("intent", "configure"),
                ("path", "s3"),
            ],
        )
        .await;
    assert!(url.contains("step=fields"), "{url}");
    assert!(html.contains(r#"data-step="fields""#), "{html}");
    let id = draft_of(&url);
    pages.push(html);

    // No bucket: back to the same step, the rule named in the bucket's slot.
    let (url, html) = admin
        .post_step(
            &console,
            &[
                ("step", "fields"),
                ("draft", &id),
                ("action", "next"),
                ("path", "s3"),
                ("spec.storage.s3.region", "us-east-1"),
            ],
        )
        .await;
    assert!(
        url.contains("step=fields") && url.contains("checked=1"),
        "{url}"
    );
    assert!(
        html.contains(r#"data-errors-for="spec.storage.s3.bucket""#),
        "{html}"
    );
    assert!(html.contains("data-step-errors"), "{html}");
    pages.push(html);

    let (url, html) = admin
        .post_step(
            &console,
            &[
                ("step", "fields"),
                ("draft", &id),
                ("action", "next"),
                ("path", "s3"),
                ("spec.storage.s3.bucket", "registry-images"),
                ("spec.storage.s3.region", "us-east-1"),
                ("spec.storage.s3.encrypt", "true"),
            ],
        )
        .await;
    assert!(url.contains("step=credentials"), "{url}");
    assert!(
        html.contains(r#"value="registry-images""#),
        "the fields travel with the draft"
    );
    pages.push(html);

    // Back keeps what was typed.
    let (url, html) = admin
        .post_step(
            &console,
            &[
                ("step", "credentials"),
                ("draft", &id),
                ("action", "back"),
                ("path", "s3"),
                ("spec.storage.s3.bucket", "registry-images"),
                ("spec.storage.s3.region", "us-east-1"),
                ("spec.storage.s3.encrypt", "true"),
            ],
        )
        .await;
    assert!(url.contains("step=fields"), "{url}");
    assert!(html.contains(r#"value="registry-images""#));
    pages.push(html);

    let (url, html) = admin
        .post_step(
            &console,
            &[
                ("step", "credentials"),
                ("draft", &id),
                ("action", "next"),
                ("path", "s3"),
                ("spec.storage.s3.bucket", "registry-images"),
                ("spec.storage.s3.region", "us-east-1"),
                ("spec.storage.s3.encrypt", "true"),
                (
                    "secret.REGISTRY_STORAGE_S3_ACCESSKEY",
                    "AKIASTEPS0123456789",
                ),
                ("secret.REGISTRY_STORAGE_S3_SECRETKEY", canary),
            ],
        )
        .await;
    assert!(url.contains("step=review"), "{url}");
    assert!(
        html.contains(r#"data-review="preview""#),
        "the shared review: {html}"
    );
    assert!(html.contains(r#"value="apply""#), "Apply submits the form");
    pages.push(html);

    // Another session cannot use this draft: it is told the draft is gone.
    let other = user(&console, "admin").await;
    let (url, html) = other
        .post_step(
            &console,
            &[
                ("step", "review"),
                ("draft", &id),
                ("action", "apply"),
                ("reason", "not mine"),
            ],
        )
        .await;
    assert!(url.contains("step=path"), "{url}");
    assert!(html.contains("data-draft-expired"), "{html}");
    assert_eq!(
        config_now(&kube).await["spec"]["managementState"],
        "Removed",
        "nothing was changed"
    );

    let (url, html) = admin
        .post_step(
            &console,
            &[
                ("step", "review"),
                ("draft", &id),
                ("action", "apply"),
                ("path", "s3"),
                ("spec.storage.s3.bucket", "registry-images"),
                ("spec.storage.s3.region", "us-east-1"),
                ("spec.storage.s3.encrypt", "true"),
                ("reason", "S3 for the registry, step by step"),
            ],
        )
        .await;
    assert!(url.contains("step=done"), "{url}");
    assert!(html.contains(r#"data-review="applied""#), "{html}");
    assert!(html.contains("data-audit-link"), "{html}");
    pages.push(html);

    // What the island writes (the s3 test above): the Config and the Secret.
    let spec = config_now(&kube).await["spec"].clone();
    assert_eq!(spec["managementState"], "Managed");
    assert_eq!(
        spec["storage"]["s3"],
        json!({ "bucket": "registry-images", "region": "us-east-1", "encrypt": true })
    );
    let secret = serde_json::to_value(secrets(kube.clone()).get(SECRET).await.expect("secret"))
        .expect("json");
    let decoded = registry_console::change::rules::secret_data(&secret);
    assert_eq!(decoded["REGISTRY_STORAGE_S3_SECRETKEY"], canary.as_bytes());
    valid(
        "imageregistry.operator.openshift.io",
        "Config",
        &without_status(config_now(&kube).await),
    );
    let export = admin.page(&console, "/audit/export.jsonl").await;
    assert!(
        export.contains("S3 for the registry, step by step"),
        "audited"
    );
    pages.push(export);
    pages.push(captured_log());
    for text in &pages {
        assert!(!text.contains(canary), "the canary leaked: {text}");
    }

    // A viewer's post is refused and changes nothing.
    let viewer = user(&console, "viewer").await;
    let response = viewer
        .client
        .post(format!("{}/storage/steps", console.base))
        .header("origin", &console.base)
        .form(&[
            ("csrf_token", viewer.csrf.as_str()),
            ("step", "path"),
            ("action", "next"),
            ("path", "pvc"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    reset(&kube).await;
}
