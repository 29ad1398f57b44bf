//! A stand-in for the volume provisioners and the PersistentVolume binder that a real
//! cluster runs in kube-controller-manager and CSI drivers: the sandbox has only an API
//! server, so without this every claim would stay Pending forever.
//!
//! Two StorageClasses are installed ([`storage_classes`]): `sandbox-shared`, the default,
//! a shared file system (ReadWriteMany and ReadWriteOnce, like NFS or CephFS), and
//! `sandbox-block`, block storage (ReadWriteOnce only, like Cinder or a vSphere disk). A
//! Pending claim of a known class gets a PersistentVolume and is bound, as the real binder
//! does (the volume's `claimRef`, the claim's `volumeName`, both phases Bound). A claim the
//! class cannot serve stays Pending with the Warning event a real provisioner leaves, so the
//! console's follow-up has a reason to show.

use crate::Result;
use futures::StreamExt;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use std::time::Duration;

/// The default class: a shared file system.
pub const SHARED_CLASS: &str = "sandbox-shared";
/// Block storage: one node at a time.
pub const BLOCK_CLASS: &str = "sandbox-block";
const SHARED_PROVISIONER: &str = "sandbox.registry-console.local/shared-fs";
const BLOCK_PROVISIONER: &str = "sandbox.registry-console.local/block";
const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";
const FIELD_MANAGER: &str = "sandbox-volume-binder";

/// The StorageClasses of the sandbox.
pub fn storage_classes() -> Vec<Value> {
    let class = |name: &str, provisioner: &str, default: bool| {
        json!({
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": name,
                "annotations": { DEFAULT_CLASS_ANNOTATION: default.to_string() }
            },
            "provisioner": provisioner,
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
            "allowVolumeExpansion": true
        })
    };
    vec![
        class(SHARED_CLASS, SHARED_PROVISIONER, true),
        class(BLOCK_CLASS, BLOCK_PROVISIONER, false),
    ]
}

/// What a provisioner does with one Pending claim.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Provision a volume of this size and bind it.
    Provision { capacity: String },
    /// Leave it Pending, with this Warning event (reason, message).
    Refuse {
        reason: &'static str,
        message: String,
    },
}

/// The access modes each sandbox provisioner can give.
fn supported_modes(provisioner: &str) -> &'static [&'static str] {
    match provisioner {
        SHARED_PROVISIONER => &["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"],
        BLOCK_PROVISIONER => &["ReadWriteOnce"],
        _ => &[],
    }
}

/// Decides for a Pending claim (`class` = its StorageClass, as the API server found it:
/// `None` when it names one that does not exist). Messages follow the real controllers'.
pub fn decide(claim: &Value, class_name: Option<&str>, class: Option<&Value>) -> Decision {
    let Some(class_name) = class_name.filter(|c| !c.is_empty()) else {
        // kube-controller-manager's binder, for a claim without a class and no volume.
        return Decision::Refuse {
            reason: "FailedBinding",
            message: "no persistent volumes available for this claim and no storage class is set"
                .to_string(),
        };
    };
    let Some(class) = class else {
        return Decision::Refuse {
            reason: "ProvisioningFailed",
            message: format!("storageclass.storage.k8s.io \"{class_name}\" not found"),
        };
    };
    let provisioner = class
        .get("provisioner")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let supported = supported_modes(provisioner);
    let requested: Vec<&str> = claim
        .pointer("/spec/accessModes")
        .and_then(Value::as_array)
        .map(|modes| modes.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(mode) = requested.iter().find(|m| !supported.contains(m)) {
        return Decision::Refuse {
            reason: "ProvisioningFailed",
            message: format!(
                "failed to provision volume with StorageClass \"{class_name}\": rpc error: code = InvalidArgument desc = access mode {mode} is not supported; {provisioner} supports {}",
                supported.join(", ")
            ),
        };
    }
    let capacity = claim
        .pointer("/spec/resources/requests/storage")
        .and_then(Value::as_str)
        .unwrap_or("1Gi")
        .to_string();
    Decision::Provision { capacity }
}

/// Runs until dropped: binds Pending claims on every claim event and every 5 s.
pub async fn run(client: Client) {
    let claims: Api<PersistentVolumeClaim> = Api::all(client.clone());
    let watch = kube::runtime::watcher(claims, kube::runtime::watcher::Config::default());
    let mut watch = std::pin::pin!(watch);
    let mut resync = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            event = watch.next() => match event {
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "claim watch error; the watcher retries");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
                None => return,
            },
            _ = resync.tick() => {}
        }
        if let Err(e) = reconcile(&client).await {
            tracing::warn!(error = %e, "binding claims failed; retrying on the next event");
        }
    }
}

/// One pass over every Pending claim.
pub async fn reconcile(client: &Client) -> Result<()> {
    let claims: Api<PersistentVolumeClaim> = Api::all(client.clone());
    let classes: Api<k8s_openapi::api::storage::v1::StorageClass> = Api::all(client.clone());
    for claim in claims.list(&ListParams::default()).await?.items {
        if claim.metadata.deletion_timestamp.is_some() {
            release(client, &claim).await?;
            continue;
        }
        let phase = claim.status.as_ref().and_then(|s| s.phase.as_deref());
        if phase.is_some_and(|p| p != "Pending") {
            continue;
        }
        let value = serde_json::to_value(&claim)?;
        let class_name = claim
            .spec
            .as_ref()
            .and_then(|s| s.storage_class_name.clone());
        let class = match &class_name {
            Some(name) if !name.is_empty() => classes
                .get_opt(name)
                .await?
                .map(serde_json::to_value)
                .transpose()?,
            _ => None,
        };
        match decide(&value, class_name.as_deref(), class.as_ref()) {
            Decision::Provision { capacity } => bind(client, &claim, &capacity).await?,
            Decision::Refuse { reason, message } => {
                warn_once(client, &claim, reason, &message).await?;
            }
        }
    }
    Ok(())
}

/// The pvc-protection controller's part: a deleted claim no pod uses loses its
/// `kubernetes.io/pvc-protection` finalizer, so the deletion completes (without
/// kube-controller-manager it would stay Terminating for ever).
async fn release(client: &Client, claim: &PersistentVolumeClaim) -> Result<()> {
    const PROTECTION: &str = "kubernetes.io/pvc-protection";
    let namespace = claim.metadata.namespace.clone().unwrap_or_default();
    let name = claim.metadata.name.clone().unwrap_or_default();
    let finalizers = claim.metadata.finalizers.clone().unwrap_or_default();
    if !finalizers.iter().any(|f| f == PROTECTION) {
        return Ok(());
    }
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client.clone(), &namespace);
    let in_use = pods
        .list(&ListParams::default())
        .await?
        .items
        .iter()
        .any(|pod| {
            pod.spec.as_ref().is_some_and(|spec| {
                spec.volumes.iter().flatten().any(|v| {
                    v.persistent_volume_claim
                        .as_ref()
                        .is_some_and(|c| c.claim_name == name)
                })
            })
        });
    if in_use {
        return Ok(());
    }
    let rest: Vec<&String> = finalizers.iter().filter(|f| *f != PROTECTION).collect();
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &namespace);
    claims
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "finalizers": rest } })),
        )
        .await?;
    Ok(())
}

/// Provisions a volume for `claim` and binds the two, as the real binder does.
async fn bind(client: &Client, claim: &PersistentVolumeClaim, capacity: &str) -> Result<()> {
    let namespace = claim.metadata.namespace.clone().unwrap_or_default();
    let name = claim.metadata.name.clone().unwrap_or_default();
    let uid = claim.metadata.uid.clone().unwrap_or_default();
    let spec = claim.spec.clone().unwrap_or_default();
    let class = spec.storage_class_name.clone().unwrap_or_default();
    let modes = spec.access_modes.clone().unwrap_or_default();
    let volume_name = format!("pvc-{uid}");
    let volumes: Api<PersistentVolume> = Api::all(client.clone());
    if volumes.get_opt(&volume_name).await?.is_none() {
        let volume: PersistentVolume = serde_json::from_value(json!({
            "metadata": {
                "name": volume_name,
                "annotations": { "pv.kubernetes.io/provisioned-by": match class.as_str() {
                    BLOCK_CLASS => BLOCK_PROVISIONER,
                    _ => SHARED_PROVISIONER,
                } }
            },
            "spec": {
                "capacity": { "storage": capacity },
                "accessModes": modes,
                "persistentVolumeReclaimPolicy": "Delete",
                "storageClassName": class,
                "hostPath": { "path": format!("/var/lib/sandbox-volumes/{volume_name}") },
                "claimRef": {
                    "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "namespace": namespace, "name": name, "uid": uid
                }
            }
        }))?;
        volumes.create(&PostParams::default(), &volume).await?;
    }
    volumes
        .patch_status(
            &volume_name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": { "phase": "Bound" } })),
        )
        .await?;
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &namespace);
    if spec.volume_name.as_deref().unwrap_or_default().is_empty() {
        claims
            .patch(
                &name,
                &PatchParams::default(),
                &Patch::Merge(json!({
                    "metadata": { "annotations": {
                        "pv.kubernetes.io/bind-completed": "yes",
                        "pv.kubernetes.io/bound-by-controller": "yes"
                    } },
                    "spec": { "volumeName": volume_name }
                })),
            )
            .await?;
    }
    claims
        .patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": {
                "phase": "Bound",
                "accessModes": modes,
                "capacity": { "storage": capacity }
            } })),
        )
        .await?;
    event(
        client,
        claim,
        "Normal",
        "ProvisioningSucceeded",
        &format!("Successfully provisioned volume {volume_name}"),
    )
    .await
}

/// Records the Warning `reason` on `claim` unless the newest event already says it.
async fn warn_once(
    client: &Client,
    claim: &PersistentVolumeClaim,
    reason: &str,
    message: &str,
) -> Result<()> {
    let namespace = claim.metadata.namespace.clone().unwrap_or_default();
    let events: Api<k8s_openapi::api::core::v1::Event> =
        Api::namespaced(client.clone(), &namespace);
    let uid = claim.metadata.uid.clone().unwrap_or_default();
    let existing = events
        .list(&ListParams::default().fields(&format!("involvedObject.uid={uid}")))
        .await?;
    if existing
        .items
        .iter()
        .any(|e| e.reason.as_deref() == Some(reason) && e.message.as_deref() == Some(message))
    {
        return Ok(());
    }
    event(client, claim, "Warning", reason, message).await
}

async fn event(
    client: &Client,
    claim: &PersistentVolumeClaim,
    kind: &str,
    reason: &str,
    message: &str,
) -> Result<()> {
    let namespace = claim.metadata.namespace.clone().unwrap_or_default();
    let name = claim.metadata.name.clone().unwrap_or_default();
    let now = chrono_now();
    let events: Api<k8s_openapi::api::core::v1::Event> =
        Api::namespaced(client.clone(), &namespace);
    let event: k8s_openapi::api::core::v1::Event = serde_json::from_value(json!({
        "metadata": { "generateName": format!("{name}."), "namespace": namespace },
        "involvedObject": {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "namespace": namespace, "name": name, "uid": claim.metadata.uid
        },
        "type": kind,
        "reason": reason,
        "message": message,
        "source": { "component": FIELD_MANAGER },
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1
    }))?;
    events.create(&PostParams::default(), &event).await?;
    Ok(())
}

/// Now, as Kubernetes writes times (RFC 3339, seconds).
fn chrono_now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    k8s_openapi::jiff::Timestamp::from_second(seconds as i64)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(modes: &[&str], size: &str) -> Value {
        json!({ "spec": { "accessModes": modes, "resources": { "requests": { "storage": size } } } })
    }

    fn class(name: &str) -> Value {
        storage_classes()
            .into_iter()
            .find(|c| c["metadata"]["name"] == name)
            .expect("class")
    }

    #[test]
    fn each_class_serves_the_modes_its_storage_can() {
        let shared = class(SHARED_CLASS);
        let block = class(BLOCK_CLASS);
        assert_eq!(
            decide(
                &claim(&["ReadWriteMany"], "100Gi"),
                Some(SHARED_CLASS),
                Some(&shared)
            ),
            Decision::Provision {
                capacity: "100Gi".into()
            }
        );
        assert_eq!(
            decide(
                &claim(&["ReadWriteOnce"], "50Gi"),
                Some(BLOCK_CLASS),
                Some(&block)
            ),
            Decision::Provision {
                capacity: "50Gi".into()
            }
        );
        let Decision::Refuse { reason, message } = decide(
            &claim(&["ReadWriteMany"], "100Gi"),
            Some(BLOCK_CLASS),
            Some(&block),
        ) else {
            panic!("block storage gave ReadWriteMany");
        };
        assert_eq!(reason, "ProvisioningFailed");
        assert!(message.contains("ReadWriteMany"), "{message}");
    }

    #[test]
    fn a_missing_class_or_none_at_all_is_explained() {
        let Decision::Refuse { message, .. } =
            decide(&claim(&["ReadWriteOnce"], "1Gi"), Some("gold"), None)
        else {
            panic!("provisioned without a class");
        };
        assert_eq!(message, "storageclass.storage.k8s.io \"gold\" not found");
        assert!(matches!(
            decide(&claim(&["ReadWriteOnce"], "1Gi"), None, None),
            Decision::Refuse {
                reason: "FailedBinding",
                ..
            }
        ));
    }

    #[test]
    fn exactly_one_class_is_the_default() {
        let defaults: Vec<Value> = storage_classes()
            .into_iter()
            .filter(|c| c["metadata"]["annotations"][DEFAULT_CLASS_ANNOTATION] == "true")
            .collect();
        assert_eq!(defaults.len(), 1);
        assert_eq!(defaults[0]["metadata"]["name"], SHARED_CLASS);
    }
}
