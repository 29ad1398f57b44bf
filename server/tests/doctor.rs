//! The registry doctor against the sandbox's real parts: each situation is made for real (a
//! claim the binder cannot bind, a ReadWriteOnce claim with two replicas, Debian's
//! registry crashing on a storage it cannot use, a trusted CA under a wrong key, the pruner
//! suspended, Unmanaged) and found with its evidence and fix, as the admin and as the
//! viewer, in the Overview's JSON and HTML and in `registry-console doctor`.

mod support;

use app::domain::doctor::{Diagnosis, EvidenceKind, Finding, Severity};
use app::domain::overview::OverviewView;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use support::{
    Browser, SandboxConsole, admin_kube, configs, dynamic_api, eventually, start_sandbox_console,
};

const NS: &str = "openshift-image-registry";

async fn diagnosis(user: &Browser, console: &SandboxConsole) -> Diagnosis {
    let (status, body, text) = user.call(console, "overview", &[]).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_value::<OverviewView>(body)
        .expect("OverviewView")
        .diagnosis
}

/// The finding of `class`, once the doctor has it.
async fn found(user: &Browser, console: &SandboxConsole, class: &str) -> Finding {
    found_with(user, console, class, |_| true).await
}

/// The finding of `class` once `done` holds for it (evidence arrives in its own time).
async fn found_with(
    user: &Browser,
    console: &SandboxConsole,
    class: &str,
    done: impl Fn(&Finding) -> bool,
) -> Finding {
    let mut last = Diagnosis::default();
    for _ in 0..150 {
        last = diagnosis(user, console).await;
        if let Some(f) = last.findings.iter().find(|f| f.class == class && done(f)) {
            return f.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    panic!(
        "no {class}: {:?}",
        last.findings.iter().map(|f| &f.class).collect::<Vec<_>>()
    );
}

async fn patch_spec(kube: &kube::Client, spec: Value) {
    configs(kube.clone())
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "spec": spec })),
        )
        .await
        .expect("patch config");
}

async fn removed(kube: &kube::Client) {
    patch_spec(
        kube,
        json!({ "managementState": "Removed", "replicas": 1, "rolloutStrategy": null,
            "storage": { "emptyDir": null, "pvc": null, "s3": null } }),
    )
    .await;
}

async fn claim(kube: &kube::Client, name: &str, class: &str, mode: &str) {
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(kube.clone(), NS);
    let _ = claims.delete(name, &DeleteParams::default()).await;
    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": { "name": name },
        "spec": { "accessModes": [mode], "storageClassName": class, "resources": { "requests": { "storage": "1Gi" } } }
    }))
    .expect("claim");
    eventually("the claim created", async || {
        claims.create(&PostParams::default(), &claim).await.ok()
    })
    .await;
}

fn run_doctor() -> (i32, Value) {
    let sandbox = registry_console_sandbox::harness::shared();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_registry-console"))
        .args(["doctor", "--output", "json", "--kubeconfig"])
        .arg(&sandbox.kubeconfig)
        .env_remove("REGISTRY_CONSOLE_CONFIG")
        .output()
        .expect("registry-console doctor");
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    (output.status.code().unwrap_or(-1), json)
}

/// The S3 credentials Secret with the sandbox S3 server's access key and `secret_key`.
async fn s3_keys(secrets: &Api<k8s_openapi::api::core::v1::Secret>, secret_key: &str) {
    let keys = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": "image-registry-private-configuration-user", "namespace": NS },
        "stringData": {
            "REGISTRY_STORAGE_S3_ACCESSKEY": registry_console_sandbox::s3::ACCESS_KEY,
            "REGISTRY_STORAGE_S3_SECRETKEY": secret_key
        }
    });
    secrets
        .patch(
            "image-registry-private-configuration-user",
            &PatchParams::apply("doctor-test").force(),
            &Patch::Apply(&keys),
        )
        .await
        .expect("S3 keys");
}

/// One test: the situations share the one registry of the sandbox.
#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_finds_what_is_wrong_with_its_evidence_and_fix() {
    let kube = admin_kube().await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/").await;
    let viewer = Browser::open(&console, "viewer", "/").await;

    // 1. A claim no class can provide: Pending, with the binder's event; the pod Pending.
    removed(&kube).await;
    claim(&kube, "doctor-pending", "no-such-class", "ReadWriteMany").await;
    patch_spec(&kube, json!({ "managementState": "Managed", "storage": { "pvc": { "claim": "doctor-pending" } } })).await;
    let pending = found_with(&admin, &console, "claim.pending", |f| {
        f.evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Event && e.text.contains("no-such-class"))
    })
    .await;
    assert_eq!(pending.severity, Severity::Critical);
    assert_eq!(
        pending.fix.as_ref().map(|f| f.href()),
        Some("/storage".to_string())
    );
    let as_viewer = found(&viewer, &console, "claim.pending").await;
    assert_eq!(as_viewer.evidence.len(), pending.evidence.len());
    // The page: the admin gets the link, the viewer what to ask; no JavaScript needed.
    let html = |user: &Browser| {
        let client = user.client.clone();
        let url = format!("{}/", console.base);
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html")
        }
    };
    let admin_html = html(&admin).await;
    assert!(admin_html.contains("data-finding=\"claim.pending\""));
    assert!(admin_html.contains("data-fix=\"/storage\""));
    let viewer_html = html(&viewer).await;
    // The doctor's own part of the page.
    let doctor = |page: &str| {
        let start = page
            .find("data-panel=\"doctor\"")
            .expect("the doctor's panel");
        let end = page[start..]
            .find("</section>")
            .map_or(page.len(), |e| start + e);
        page[start..end].to_string()
    };
    let viewer_panel = doctor(&viewer_html);
    assert!(viewer_panel.contains("data-finding=\"claim.pending\""));
    assert!(viewer_panel.contains("data-ask-admin"));
    assert!(!viewer_panel.contains("data-fix=\"/storage\""));
    assert!(doctor(&admin_html).contains("data-fix=\"/storage\""));
    // The command: the same finding, exit 2 (a problem), a stable shape.
    let (code, report) = run_doctor();
    assert_eq!(code, 2, "{report}");
    assert_eq!(report["version"], 1);
    assert_eq!(report["worst"], "critical");
    let listed = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["class"] == "claim.pending")
        .expect("claim.pending in the JSON");
    assert_eq!(listed["severity"], "critical");
    assert!(
        listed["title"]
            .as_str()
            .is_some_and(|t| t.contains("doctor-pending"))
    );
    assert!(listed["evidence"][0]["kind"].is_string());

    // 2. A ReadWriteOnce claim with two replicas: the operator's own condition, the fix
    //    pre-filled with its oc command.
    removed(&kube).await;
    claim(&kube, "doctor-block", "sandbox-block", "ReadWriteOnce").await;
    patch_spec(
        &kube,
        json!({ "managementState": "Managed", "replicas": 2, "rolloutStrategy": "Recreate",
            "storage": { "pvc": { "claim": "doctor-block" } } }),
    )
    .await;
    let rwo = found(&admin, &console, "storage.rwo_replicas").await;
    let fix = rwo.fix.as_ref().expect("fix");
    assert_eq!(fix.href(), "/configuration?spec.replicas=1");
    assert!(
        fix.oc
            .as_deref()
            .is_some_and(|oc| oc.contains("\"replicas\":1"))
    );
    assert!(
        rwo.evidence
            .iter()
            .any(|e| e.text.contains("PVC Issues Found"))
    );
    // The link opens the form pre-filled.
    let form = admin
        .client
        .get(format!("{}{}", console.base, fix.href()))
        .send()
        .await
        .expect("configuration")
        .text()
        .await
        .expect("html");
    assert!(
        form.contains("data-prefilled=\"spec.replicas\""),
        "prefilled"
    );

    // 3. Debian's registry on S3 without a region crashes: its own last line is the
    //    evidence of the crash loop.
    removed(&kube).await;
    let sandbox = registry_console_sandbox::harness::shared();
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(kube.clone(), NS);
    s3_keys(&secrets, registry_console_sandbox::s3::SECRET_KEY).await;
    patch_spec(
        &kube,
        json!({ "managementState": "Managed", "storage": { "s3": {
            "bucket": "doctor-crash", "region": "", "regionEndpoint": sandbox.s3.endpoint() } } }),
    )
    .await;
    // The registry's own last line.
    found_with(&admin, &console, "pod.crash_loop", |f| {
        f.evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Log && e.text.contains("region"))
    })
    .await;
    // 3b. A secret key the S3 server does not know: the operator's StorageExists carries
    //     the server's own error code, and the fix is the Storage page.
    s3_keys(&secrets, "not-the-secret-key").await;
    patch_spec(
        &kube,
        json!({ "storage": { "s3": { "bucket": "doctor-keys", "region": "us-east-1" } } }),
    )
    .await;
    let s3 = found_with(&admin, &console, "storage.s3_error", |f| {
        f.evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Condition && e.text.contains("SignatureDoesNotMatch"))
    })
    .await;
    assert_eq!(
        s3.fix.as_ref().map(|f| f.href()),
        Some("/storage".to_string())
    );
    removed(&kube).await;
    secrets
        .delete(
            "image-registry-private-configuration-user",
            &DeleteParams::default(),
        )
        .await
        .expect("delete keys");

    // 4. A trusted CA keyed host.port (the guide says host..port; a colon the API server
    //    refuses itself).
    let pem = std::fs::read_to_string(sandbox.dir.join("sample-route-tls/ca.crt")).expect("ca");
    let maps: Api<ConfigMap> = Api::namespaced(kube.clone(), "openshift-config");
    let _ = maps.delete("doctor-cas", &DeleteParams::default()).await;
    maps.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "metadata": { "name": "doctor-cas" },
            "data": { "registry.example.com.5000": pem }
        }))
        .expect("configmap"),
    )
    .await
    .expect("create");
    let images = dynamic_api(&kube, "config.openshift.io", "v1", "Image", "images", None);
    images
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "spec": { "additionalTrustedCA": { "name": "doctor-cas" } } })),
        )
        .await
        .expect("reference");
    let colon = found(&admin, &console, "ca.key_port").await;
    assert!(colon.params.contains(&(
        "fixed".to_string(),
        "registry.example.com..5000".to_string()
    )));
    images
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "spec": { "additionalTrustedCA": null } })),
        )
        .await
        .expect("unset");
    maps.delete("doctor-cas", &DeleteParams::default())
        .await
        .expect("delete");

    // 5. The pruner suspended: a note, with the pre-filled fix.
    let pruners = dynamic_api(
        &kube,
        "imageregistry.operator.openshift.io",
        "v1",
        "ImagePruner",
        "imagepruners",
        None,
    );
    pruners
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "spec": { "suspend": true } })),
        )
        .await
        .expect("suspend");
    let suspended = found(&admin, &console, "pruner.suspended").await;
    assert_eq!(suspended.severity, Severity::Info);
    assert_eq!(
        suspended.fix.as_ref().map(|f| f.href()),
        Some("/pruner?spec.suspend=false".to_string())
    );
    pruners
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "spec": { "suspend": false } })),
        )
        .await
        .expect("resume");

    // 6. Unmanaged: nothing the Config says takes effect.
    patch_spec(&kube, json!({ "managementState": "Unmanaged" })).await;
    let unmanaged = found(&admin, &console, "state.unmanaged").await;
    assert_eq!(
        unmanaged.fix.as_ref().map(|f| f.href()),
        Some("/configuration?spec.managementState=Managed".to_string())
    );
    removed(&kube).await;
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(kube.clone(), NS);
    for name in ["doctor-pending", "doctor-block"] {
        let _ = claims.delete(name, &DeleteParams::default()).await;
    }
}
