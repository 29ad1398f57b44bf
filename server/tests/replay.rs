//! The `oc` commands the console shows are the change it makes: for each kind of change
//! (a Config patch with its secret fields, a credentials Secret created and rotated, a TLS
//! Secret from files, the guide's CA ConfigMap plus the image config, a delete), the
//! pipeline applies it; the objects are put back as they were; then the shown commands run
//! with Debian's kubectl standing in for `oc`, their placeholders filled with the values;
//! the objects they leave must equal what the console wrote.

use app::domain::diff::merge_patch;
use base64::Engine;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use registry_console::audit::redact::FingerprintKey;
use registry_console::audit::store::{Actor, AuditStore};
use registry_console::change::pipeline::Confirmations;
use registry_console::change::{ChangePipeline, ChangeRequest, FollowUpPlan, Requester, Step};
use registry_console::kube::resources::{
    CONFIG_MAP, IMAGE_CONFIG, REGISTRY_CONFIG, Resource, SECRET,
};
use registry_console_sandbox::harness;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

const NS: &str = "openshift-image-registry";
const TRUST_NS: &str = "openshift-config";

struct Object {
    resource: Resource,
    namespace: Option<&'static str>,
    name: String,
}

impl Object {
    fn api(&self, client: &kube::Client) -> kube::Api<kube::api::DynamicObject> {
        self.resource.api(client.clone(), self.namespace)
    }

    async fn get(&self, client: &kube::Client) -> Option<Value> {
        self.api(client)
            .get_opt(&self.name)
            .await
            .expect("get")
            .map(|o| serde_json::to_value(o).expect("json"))
    }

    /// Puts the object back to `before` (deleting it when it did not exist).
    async fn restore(&self, client: &kube::Client, before: &Option<Value>) {
        let now = self.get(client).await;
        match (before, now) {
            (None, None) => {}
            (None, Some(_)) => {
                self.api(client)
                    .delete(&self.name, &DeleteParams::default())
                    .await
                    .expect("delete");
                for _ in 0..50 {
                    if self.get(client).await.is_none() {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
            (Some(before), None) => {
                let mut object = content(before);
                object["metadata"] = json!({ "name": self.name, "namespace": self.namespace });
                self.api(client)
                    .create(
                        &PostParams::default(),
                        &serde_json::from_value(object).expect("object"),
                    )
                    .await
                    .expect("create");
            }
            (Some(before), Some(now)) => {
                let patch = merge_patch(&content(&now), &content(before));
                self.api(client)
                    .patch(&self.name, &PatchParams::default(), &Patch::Merge(&patch))
                    .await
                    .expect("restore");
            }
        }
    }
}

/// What a command sets: everything but metadata and status.
fn content(object: &Value) -> Value {
    let mut out = object.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    out
}

fn decoded(secret_data: &Value) -> BTreeMap<String, String> {
    secret_data
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(v.as_str().unwrap_or_default())
                .expect("base64");
            (k.clone(), String::from_utf8(bytes).expect("utf-8"))
        })
        .collect()
}

async fn pipeline(dir: &Path) -> std::sync::Arc<ChangePipeline> {
    let pool = registry_console::db::open(&format!("sqlite://{}", dir.join("audit.db").display()))
        .await
        .expect("db");
    std::sync::Arc::new(ChangePipeline::new(
        AuditStore::new(pool),
        FingerprintKey([9u8; 32]),
        10..=200,
        std::time::Duration::from_secs(5),
    ))
}

fn requester() -> Requester {
    Requester {
        actor: Actor {
            subject: "admin".into(),
            name: "admin".into(),
            email: None,
            groups: vec!["registry-admins".into()],
        },
        client_addr: None,
        request_id: None,
    }
}

/// Runs `command` in `dir` with `oc` being kubectl for the sandbox's admin.
fn run_as_oc(dir: &Path, command: &str) {
    let sandbox = harness::shared();
    let kubectl = registry_console_sandbox::sandbox::kubectl();
    assert!(
        kubectl.exists(),
        "{} is missing: ./dev deps unpacks Debian's kubectl there",
        kubectl.display()
    );
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::fs::write(
        bin.join("oc"),
        format!(
            "#!/bin/sh\nexec {} --kubeconfig {} \"$@\"\n",
            kubectl.display(),
            sandbox.kubeconfig.display()
        ),
    )
    .expect("oc");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("oc"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    let output = std::process::Command::new("sh")
        .args(["-e", "-c", command])
        .current_dir(dir)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .expect("sh");
    assert!(
        output.status.success(),
        "{command}\nfailed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Applies `steps` through the pipeline, puts the objects back, runs the shown commands
/// (placeholders filled from `values`, files from `files`), and compares.
async fn replay(
    objects: Vec<Object>,
    steps: impl Fn(&[Option<Value>]) -> Vec<Step>,
    values: &[(&str, &str)],
    files: &[(&str, &str)],
) {
    let admin = registry_console_sandbox::sandbox::admin_client(&harness::shared().kubeconfig)
        .await
        .expect("admin");
    let dir = tempfile::tempdir().expect("dir");
    let p = pipeline(dir.path()).await;
    let mut before = Vec::new();
    for object in &objects {
        before.push(object.get(&admin).await);
    }
    let request = ChangeRequest {
        reason: "replay the shown commands".into(),
        steps: steps(&before),
        confirmations: Confirmations::default(),
        follow_up: FollowUpPlan::None,
        warnings: Vec::new(),
    };
    let applied = p
        .apply(admin.clone(), &requester(), request)
        .await
        .expect("applied");
    let mut written = Vec::new();
    for object in &objects {
        written.push(object.get(&admin).await.map(|o| content(&o)));
    }
    for (object, before) in objects.iter().zip(&before) {
        object.restore(&admin, before).await;
    }
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("file");
    }
    let mut commands = Vec::new();
    for step in &applied.steps {
        let mut command = step.oc_command.clone();
        for placeholder in &step.placeholders {
            let value = values
                .iter()
                .find(|(p, _)| p == placeholder)
                .map(|(_, v)| *v)
                .unwrap_or_else(|| panic!("no value for {placeholder} in {command}"));
            command = command.replace(placeholder.as_str(), value);
        }
        assert!(
            !command.contains("fingerprint:"),
            "a fingerprint in {command}"
        );
        commands.push(command);
    }
    run_as_oc(dir.path(), &commands.join("\n"));
    for (object, written) in objects.iter().zip(written) {
        let replayed = object.get(&admin).await.map(|o| content(&o));
        match (&written, &replayed) {
            (Some(w), Some(r)) if object.resource.is("", "Secret") => {
                assert_eq!(
                    decoded(&w["data"]),
                    decoded(&r["data"]),
                    "{}",
                    commands.join("\n")
                );
                assert_eq!(w["type"], r["type"]);
            }
            _ => assert_eq!(written, replayed, "{}", commands.join("\n")),
        }
    }
    // Leave the cluster as it was for the next case.
    for (object, before) in objects.iter().zip(&before) {
        object.restore(&admin, before).await;
    }
}

fn secret_object(data: Value, kind: &str, name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": kind,
        "metadata": { "name": name, "namespace": NS },
        "data": data,
    })
}

fn b64(text: &str) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(text))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shown_commands_make_the_objects_the_console_wrote() {
    let config = || Object {
        resource: REGISTRY_CONFIG,
        namespace: None,
        name: "cluster".into(),
    };
    // A Config patch with its write-only fields.
    replay(
        vec![config()],
        |before| {
            let base = before[0].clone().expect("the Config");
            let mut desired = base.clone();
            desired["spec"]["logLevel"] = json!("Debug");
            desired["spec"]["httpSecret"] = json!("replay-http-secret");
            desired["spec"]["proxy"] = json!({ "https": "https://alice:replay-proxy-pw@proxy.example.com:3128", "noProxy": ".cluster.local" });
            vec![Step::patch(REGISTRY_CONFIG, None, "cluster", base, false, desired)]
        },
        &[("<httpSecret>", "replay-http-secret"), ("<proxy password>", "replay-proxy-pw")],
        &[],
    )
    .await;

    // The credentials Secret: created, then rotated (one key replaced, one removed).
    let credentials = || Object {
        resource: SECRET,
        namespace: Some(NS),
        name: "replay-credentials".into(),
    };
    replay(
        vec![credentials()],
        |_| {
            vec![Step::create(
                SECRET,
                Some(NS),
                secret_object(
                    json!({ "REGISTRY_STORAGE_S3_ACCESSKEY": b64("AKIA1"), "REGISTRY_STORAGE_S3_SECRETKEY": b64("s3-secret-1") }),
                    "Opaque",
                    "replay-credentials",
                ),
            )]
        },
        &[
            ("<REGISTRY_STORAGE_S3_ACCESSKEY>", "AKIA1"),
            ("<REGISTRY_STORAGE_S3_SECRETKEY>", "s3-secret-1"),
        ],
        &[],
    )
    .await;
    let admin = registry_console_sandbox::sandbox::admin_client(&harness::shared().kubeconfig)
        .await
        .expect("admin");
    SECRET
        .api(admin.clone(), Some(NS))
        .create(
            &PostParams::default(),
            &serde_json::from_value(secret_object(
                json!({ "REGISTRY_STORAGE_S3_ACCESSKEY": b64("AKIA1"), "REGISTRY_STORAGE_S3_SECRETKEY": b64("s3-secret-1"), "REGISTRY_STORAGE_GCS_KEYFILE": b64("{}") }),
                "Opaque",
                "replay-credentials",
            ))
            .expect("secret"),
        )
        .await
        .expect("create the credentials");
    replay(
        vec![credentials()],
        |before| {
            let base = before[0].clone().expect("the Secret");
            let mut desired = base.clone();
            desired["data"]["REGISTRY_STORAGE_S3_SECRETKEY"] = b64("s3-secret-2");
            if let Some(data) = desired["data"].as_object_mut() {
                data.remove("REGISTRY_STORAGE_GCS_KEYFILE");
            }
            vec![Step::patch(
                SECRET,
                Some(NS),
                "replay-credentials",
                base,
                false,
                desired,
            )]
        },
        &[("<REGISTRY_STORAGE_S3_SECRETKEY>", "s3-secret-2")],
        &[],
    )
    .await;

    // A route's TLS Secret from its files (guide 6.1).
    let tls = registry_console_sandbox::kubelet::issue("replay CA", &["replay.example.com"], &[])
        .expect("certificate");
    replay(
        vec![Object {
            resource: SECRET,
            namespace: Some(NS),
            name: "replay-route-tls".into(),
        }],
        |_| {
            vec![Step::create(
                SECRET,
                Some(NS),
                secret_object(
                    json!({ "tls.crt": b64(&tls.cert_pem), "tls.key": b64(&tls.key_pem) }),
                    "kubernetes.io/tls",
                    "replay-route-tls",
                ),
            )]
        },
        &[],
        &[("tls.crt", &tls.cert_pem), ("tls.key", &tls.key_pem)],
    )
    .await;

    // The guide's CA trust (2.5): the ConfigMap from a file and the image config's reference.
    let trust = || Object {
        resource: CONFIG_MAP,
        namespace: Some(TRUST_NS),
        name: "replay-cas".into(),
    };
    let image = || Object {
        resource: IMAGE_CONFIG,
        namespace: None,
        name: "cluster".into(),
    };
    replay(
        vec![trust(), image()],
        |before| {
            let base = before[1].clone().expect("the image config");
            let mut desired = base.clone();
            desired["spec"]["additionalTrustedCA"] = json!({ "name": "replay-cas" });
            vec![
                Step::create(
                    CONFIG_MAP,
                    Some(TRUST_NS),
                    json!({
                        "apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": { "name": "replay-cas", "namespace": TRUST_NS },
                        "data": { "registry.example.com..5000": tls.ca_pem },
                    }),
                ),
                Step::patch(IMAGE_CONFIG, None, "cluster", base, false, desired),
            ]
        },
        &[],
        &[("ca.crt", &tls.ca_pem)],
    )
    .await;

    // A delete.
    replay(
        vec![credentials()],
        |before| {
            vec![Step::delete(
                SECRET,
                Some(NS),
                "replay-credentials",
                before[0].clone().expect("the Secret"),
                false,
            )]
        },
        &[],
        &[],
    )
    .await;
}
