//! What the stand-in operator decides from a Config spec, without I/O: which storage it
//! uses, whether a rule is broken, and what the deployment should look like.
//!
//! Messages and conditions are the real operator's (cluster-image-registry-operator:
//! `pkg/storage/storage.go`, `pkg/storage/pvc/pvc.go`, `pkg/operator/status.go`) wherever it
//! has one: a storage problem is `Progressing=True Error` with `Unable to apply resources:
//! unable to sync storage configuration: …` (a PVC's also `StorageExists=False "PVC Issues
//! Found"`), and Degraded follows only after five minutes without availability.

use serde_json::Value;

/// The storage types of `spec.storage`, in the order the operator's API lists them.
pub const STORAGE_TYPES: [&str; 7] = ["emptyDir", "s3", "gcs", "swift", "pvc", "azure", "ibmcos"];

/// Name of the claim the operator creates when `storage.pvc.claim` is empty.
pub const DEFAULT_CLAIM: &str = "image-registry-storage";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    EmptyDir,
    /// `claim: None` means the operator creates [`DEFAULT_CLAIM`].
    Pvc {
        claim: Option<String>,
    },
    Cloud(&'static str),
}

/// Why the operator refuses to roll out: condition reason and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub reason: &'static str,
    pub message: String,
}

/// The desired state of a managed registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub storage: Storage,
    pub replicas: i32,
    pub rollout_strategy: String,
    pub default_route: bool,
    pub routes: Vec<RouteSpec>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    pub name: String,
    pub hostname: Option<String>,
    pub secret_name: Option<String>,
}

/// Facts about the cluster the rules need (the claim's access modes when it exists).
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// Access modes of the named claim; `None` when it does not exist (or is to be created).
    pub claim_access_modes: Option<Vec<String>>,
    /// The user's credentials Secret (cloud storage only).
    pub credentials: SecretKeys,
}

/// The storage configured in `spec.storage`, or a refusal.
pub fn storage(spec: &Value) -> Result<Storage, Refusal> {
    let storage = spec.get("storage").and_then(Value::as_object);
    let configured: Vec<&'static str> = STORAGE_TYPES
        .iter()
        .copied()
        .filter(|t| storage.is_some_and(|s| s.get(*t).is_some_and(|v| !v.is_null())))
        .collect();
    match configured.as_slice() {
        [] => Err(Refusal {
            reason: "StorageNotConfigured",
            message: "storage backend not configured".to_string(),
        }),
        ["emptyDir"] => Ok(Storage::EmptyDir),
        ["pvc"] => {
            let claim = spec
                .pointer("/storage/pvc/claim")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            Ok(Storage::Pvc { claim })
        }
        [cloud] => Ok(Storage::Cloud(cloud)),
        many => Err(Refusal {
            reason: "Error",
            message: storage_error(&format!(
                "exactly one storage type should be configured at the same time, got {}: [{}]",
                many.len(),
                many.iter()
                    .map(|t| operator_name(t))
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
        }),
    }
}

/// Checks a Managed spec and returns what to roll out.
pub fn plan(spec: &Value, observed: &Observed) -> Result<Plan, Refusal> {
    let storage = storage(spec)?;
    let replicas = spec.get("replicas").and_then(Value::as_i64).unwrap_or(1);
    let replicas = i32::try_from(replicas).unwrap_or(i32::MAX);
    if replicas < 0 {
        return Err(Refusal {
            reason: "VerificationFailed",
            message: "unable to complete resource: replicas must be greater than or equal to 0"
                .to_string(),
        });
    }
    let rollout_strategy = spec
        .get("rolloutStrategy")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("RollingUpdate")
        .to_string();

    match &storage {
        Storage::Pvc { .. } => {
            let rwo_only = observed.claim_access_modes.as_ref().is_some_and(|modes| {
                !modes.is_empty() && modes.iter().all(|m| m == "ReadWriteOnce")
            });
            if rwo_only && replicas > 1 {
                return Err(Refusal {
                    reason: "Error",
                    message: storage_error(
                        "cannot use ReadWriteOnce access mode with more than one replica of the image registry",
                    ),
                });
            }
            if rwo_only && rollout_strategy != "Recreate" {
                return Err(Refusal {
                    reason: "Error",
                    message: storage_error(&format!(
                        "cannot use ReadWriteOnce access mode with {rollout_strategy} rollout strategy"
                    )),
                });
            }
        }
        Storage::Cloud(kind) => cloud_credentials(kind, &observed.credentials)?,
        _ => {}
    }

    let routes = routes(spec)?;
    Ok(Plan {
        storage,
        replicas,
        rollout_strategy,
        default_route: spec
            .get("defaultRoute")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        routes,
    })
}

/// The user's credentials Secret as the operator sees it: each key and whether its value
/// is non-empty (`None`: the Secret does not exist).
pub type SecretKeys = Option<std::collections::BTreeMap<String, bool>>;

/// Why a cloud driver cannot get its configuration, as the real operator says it
/// (cluster-image-registry-operator `pkg/storage/<driver>`, release-4.5; Swift as on main,
/// which accepts any one of three sets of keys). The sandbox has no cloud credentials of
/// its own (`installer-cloud-credentials`), so a missing user Secret is an error here.
pub fn cloud_credentials(kind: &str, secret: &SecretKeys) -> Result<(), Refusal> {
    const USER_SECRET: &str = "openshift-image-registry/image-registry-private-configuration-user";
    let fail = |error: String| {
        Err(Refusal {
            reason: "Error",
            message: storage_error(&error),
        })
    };
    if !matches!(kind, "s3" | "gcs" | "azure" | "ibmcos" | "swift") {
        return Ok(());
    }
    let Some(keys) = secret else {
        return fail(match kind {
            "azure" => "unable to get cluster minted credentials: secret \"installer-cloud-credentials\" not found".to_string(),
            _ => "unable to get cluster minted credentials \"openshift-image-registry/installer-cloud-credentials\": secret \"installer-cloud-credentials\" not found".to_string(),
        });
    };
    let has = |key: &str| keys.contains_key(key);
    let missing =
        |key: &str| format!("secret \"{USER_SECRET}\" does not contain required key \"{key}\"");
    let required: &[&str] = match kind {
        "s3" => &[
            "REGISTRY_STORAGE_S3_ACCESSKEY",
            "REGISTRY_STORAGE_S3_SECRETKEY",
        ],
        "gcs" => &["REGISTRY_STORAGE_GCS_KEYFILE"],
        "azure" => &["REGISTRY_STORAGE_AZURE_ACCOUNTKEY"],
        "ibmcos" => &["REGISTRY_STORAGE_IBMCOS_IAMAPIKEY"],
        "swift" => {
            let password =
                has("REGISTRY_STORAGE_SWIFT_USERNAME") && has("REGISTRY_STORAGE_SWIFT_PASSWORD");
            let application = [
                "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID",
                "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME",
                "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALSECRET",
            ]
            .iter()
            .all(|k| has(k));
            if password || application || has("REGISTRY_STORAGE_SWIFT_TOKENID") {
                return Ok(());
            }
            return fail(format!(
                "secret \"{USER_SECRET}\" does not contain required keys 'REGISTRY_STORAGE_SWIFT_USERNAME' and 'REGISTRY_STORAGE_SWIFT_PASSWORD'; or 'REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID', 'REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME' and 'REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALSECRET'; or 'REGISTRY_STORAGE_SWIFT_TOKENID'"
            ));
        }
        _ => &[],
    };
    if let Some(key) = required.iter().find(|k| !has(k)) {
        return fail(missing(key));
    }
    if kind == "azure" && keys.get("REGISTRY_STORAGE_AZURE_ACCOUNTKEY") == Some(&false) {
        return fail(
            "the secret openshift-image-registry/image-registry-private-configuration-user has an empty value for REGISTRY_STORAGE_AZURE_ACCOUNTKEY; the secret should be removed so that the operator can use cluster-wide secrets or it should contain a valid storage account access key".to_string(),
        );
    }
    Ok(())
}

/// The StorageExists condition of a cloud driver that the sandbox cannot reach: said
/// plainly, never "exists".
pub fn unreachable_cloud(kind: &str, spec: &Value) -> (String, String, String) {
    let storage = spec
        .pointer(&format!("/storage/{kind}"))
        .cloned()
        .unwrap_or(Value::Null);
    let text = |key: &str| {
        storage
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("(operator-generated)")
            .to_string()
    };
    let target = match kind {
        "s3" => format!("S3 bucket {}", text("bucket")),
        "gcs" => format!("GCS bucket {}", text("bucket")),
        "azure" => format!(
            "Azure container {} of account {}",
            text("container"),
            text("accountName")
        ),
        "swift" => format!(
            "Swift container {} at {}",
            text("container"),
            text("authURL")
        ),
        _ => format!("{} storage", operator_name(kind)),
    };
    (
        "Unknown".to_string(),
        "SandboxCannotReachCloud".to_string(),
        format!(
            "The sandbox has no network access to {}: the {target} was neither created nor checked. On a real cluster the operator creates or checks it and reports the result here.",
            operator_name(kind)
        ),
    )
}

/// How the operator wraps a storage driver's error in its conditions.
/// How the operator reports an error of the storage driver.
pub const STORAGE_SYNC_PREFIX: &str =
    "Unable to apply resources: unable to sync storage configuration: ";

fn storage_error(error: &str) -> String {
    format!("{STORAGE_SYNC_PREFIX}{error}")
}

/// The operator's own name of a storage type in messages.
fn operator_name(storage_type: &str) -> &'static str {
    match storage_type {
        "emptyDir" => "EmptyDir",
        "s3" => "S3",
        "gcs" => "GCS",
        "swift" => "Swift",
        "pvc" => "PVC",
        "azure" => "Azure",
        _ => "IBMCOS",
    }
}

fn routes(spec: &Value) -> Result<Vec<RouteSpec>, Refusal> {
    let mut out: Vec<RouteSpec> = Vec::new();
    for route in spec
        .get("routes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = route
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if name.is_empty() {
            return Err(Refusal {
                reason: "InvalidRoute",
                message: "route name must not be empty".to_string(),
            });
        }
        if name == "default-route" {
            return Err(Refusal {
                reason: "InvalidRoute",
                message: "route name default-route is reserved for the default route".to_string(),
            });
        }
        if out.iter().any(|r| r.name == name) {
            // pkg/resource/complete.go:38, through controller.go:215.
            return Err(Refusal {
                reason: "VerificationFailed",
                message: "unable to complete resource: duplication of names has been detected in the additional routes".to_string(),
            });
        }
        let text = |key: &str| {
            route
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        out.push(RouteSpec {
            hostname: text("hostname"),
            secret_name: text("secretName"),
            name,
        });
    }
    Ok(out)
}

/// The default route's host, as the operator derives it from the ingress domain.
pub fn default_route_host(domain: &str) -> String {
    format!("default-route-openshift-image-registry.{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rwo() -> Observed {
        Observed {
            claim_access_modes: Some(vec!["ReadWriteOnce".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn no_storage_is_refused() {
        let refusal = plan(&json!({"managementState": "Managed"}), &Observed::default())
            .expect_err("refused");
        assert_eq!(refusal.reason, "StorageNotConfigured");
        let refusal = plan(&json!({"storage": {}}), &Observed::default()).expect_err("refused");
        assert_eq!(refusal.message, "storage backend not configured");
    }

    #[test]
    fn two_storage_types_are_refused() {
        let refusal = plan(
            &json!({"storage": {"emptyDir": {}, "pvc": {"claim": "x"}}}),
            &Observed::default(),
        )
        .expect_err("refused");
        assert_eq!(
            refusal.message,
            "Unable to apply resources: unable to sync storage configuration: exactly one storage type should be configured at the same time, got 2: [EmptyDir PVC]"
        );
    }

    #[test]
    fn empty_dir_runs_any_number_of_replicas_as_the_operator_does() {
        // Each pod then has its own images (the doctor says so); the operator allows it.
        let two = plan(
            &json!({"storage": {"emptyDir": {}}, "replicas": 2}),
            &Observed::default(),
        )
        .expect("ok");
        assert_eq!((two.storage, two.replicas), (Storage::EmptyDir, 2));
    }

    #[test]
    fn read_write_once_claims_need_one_replica_and_recreate() {
        let spec = |replicas: i64, strategy: &str| json!({"storage": {"pvc": {"claim": "block"}}, "replicas": replicas, "rolloutStrategy": strategy});
        assert!(plan(&spec(1, "Recreate"), &rwo()).is_ok());
        let refusal = plan(&spec(2, "Recreate"), &rwo()).expect_err("refused");
        assert!(
            refusal.message.ends_with("cannot use ReadWriteOnce access mode with more than one replica of the image registry"),
            "{refusal:?}"
        );
        let refusal = plan(&spec(1, "RollingUpdate"), &rwo()).expect_err("refused");
        assert!(
            refusal.message.ends_with(
                "cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy"
            ),
            "{refusal:?}"
        );
        let rwx = Observed {
            claim_access_modes: Some(vec!["ReadWriteMany".into()]),
            ..Default::default()
        };
        assert!(plan(&spec(3, "RollingUpdate"), &rwx).is_ok());
    }

    #[test]
    fn empty_claim_means_the_operator_creates_it() {
        let ok = plan(
            &json!({"storage": {"pvc": {"claim": ""}}}),
            &Observed::default(),
        )
        .expect("ok");
        assert_eq!(ok.storage, Storage::Pvc { claim: None });
        assert_eq!(ok.rollout_strategy, "RollingUpdate");
        assert_eq!(ok.replicas, 1);
    }

    #[test]
    fn route_names_are_unique_and_default_route_is_reserved() {
        let base = |routes: Value| json!({"storage": {"emptyDir": {}}, "routes": routes});
        assert!(
            plan(
                &base(json!([{"name": "a", "hostname": "a.example"}])),
                &Observed::default()
            )
            .is_ok()
        );
        assert!(
            plan(
                &base(json!([{"name": "a"}, {"name": "a"}])),
                &Observed::default()
            )
            .is_err()
        );
        assert!(
            plan(
                &base(json!([{"name": "default-route"}])),
                &Observed::default()
            )
            .is_err()
        );
        assert!(plan(&base(json!([{"hostname": "x"}])), &Observed::default()).is_err());
    }

    #[test]
    fn negative_replicas_are_refused() {
        assert!(
            plan(
                &json!({"storage": {"emptyDir": {}}, "replicas": -1}),
                &Observed::default()
            )
            .is_err()
        );
    }
}

#[cfg(test)]
mod credentials_tests {
    use super::*;
    use std::collections::BTreeMap;

    fn keys(list: &[(&str, bool)]) -> SecretKeys {
        Some(
            list.iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn each_cloud_type_names_the_first_missing_key_as_the_operator_does() {
        let refused = cloud_credentials("s3", &keys(&[("REGISTRY_STORAGE_S3_SECRETKEY", true)]))
            .expect_err("no access key");
        assert_eq!(
            refused.message,
            "Unable to apply resources: unable to sync storage configuration: secret \"openshift-image-registry/image-registry-private-configuration-user\" does not contain required key \"REGISTRY_STORAGE_S3_ACCESSKEY\""
        );
        assert!(
            cloud_credentials(
                "s3",
                &keys(&[
                    ("REGISTRY_STORAGE_S3_ACCESSKEY", true),
                    ("REGISTRY_STORAGE_S3_SECRETKEY", true)
                ])
            )
            .is_ok()
        );
        assert!(cloud_credentials("gcs", &keys(&[])).is_err());
        assert!(
            cloud_credentials("gcs", &None)
                .expect_err("no secret")
                .message
                .contains("installer-cloud-credentials")
        );
        let empty = cloud_credentials(
            "azure",
            &keys(&[("REGISTRY_STORAGE_AZURE_ACCOUNTKEY", false)]),
        )
        .expect_err("empty key");
        assert!(
            empty.message.contains("has an empty value"),
            "{}",
            empty.message
        );
        assert!(
            cloud_credentials("swift", &keys(&[("REGISTRY_STORAGE_SWIFT_TOKENID", true)])).is_ok()
        );
        assert!(
            cloud_credentials("swift", &keys(&[("REGISTRY_STORAGE_SWIFT_USERNAME", true)]))
                .expect_err("no password")
                .message
                .contains("or 'REGISTRY_STORAGE_SWIFT_TOKENID'")
        );
        assert!(cloud_credentials("pvc", &None).is_ok());
    }

    #[test]
    fn an_unreachable_cloud_is_unknown_never_true() {
        let (status, reason, message) = unreachable_cloud(
            "s3",
            &serde_json::json!({ "storage": { "s3": { "bucket": "images", "region": "us-east-1" } } }),
        );
        assert_eq!(status, "Unknown");
        assert_eq!(reason, "SandboxCannotReachCloud");
        assert!(message.contains("S3 bucket images"), "{message}");
    }
}
