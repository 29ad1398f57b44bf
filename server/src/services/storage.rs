//! The storage wizard's service (SPEC §6): what the page shows (platform, storage,
//! credential key names, claims, storage classes), and the wizard's changes through the
//! change pipeline: the credentials Secret first, then a new claim, then the Config, as one
//! audited change.
//!
//! Credential values arrive in the draft and leave only towards the API server: the page
//! gets key names, the audit trail keyed fingerprints (the pipeline redacts Secrets by
//! kind), and no log line carries the draft.

use super::{change_error, decode_draft, denied_reason, get_object, get_required, text};
use crate::audit::redact::redacted_registry_spec;
use crate::audit::store::{AuditStore, Filter};
use crate::change::rules::secret_data;
use crate::change::{ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, Step};
use crate::kube::resources::{
    INFRASTRUCTURE, PERSISTENT_VOLUME_CLAIM, REGISTRY_CONFIG, Resource, SECRET, STORAGE_CLASS,
};
use crate::kube::user::console_error;
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, ChangeService, ClusterAccess, StorageAccess};
use app::domain::access::REGISTRY_NAMESPACE;
use app::domain::change::ChangePreview;
use app::domain::conditions::conditions_of;
use app::domain::registry_config::form::storage_summary;
use app::domain::storage::CREDENTIALS_SECRET;
use app::domain::storage::wizard::{
    ClaimRow, CredentialsView, StorageClassRow, StorageIntent, StoragePath, StorageSubmission,
    StorageView, WizardFacts, block_claim, desired_spec, kept_block_claim, validate_submission,
};
use app::domain::violation::{Severity, Violation};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

/// One request's access to the registry's storage, as its user.
pub struct StorageService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
}

/// The annotation `kubectl`/`oc` (and so the storage classes' admins) mark the default
/// class with.
const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// A claim as the wizard lists it.
pub fn claim_row(claim: &Value) -> ClaimRow {
    let modes = |pointer: &str| {
        claim
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    // A bound claim's real modes are in its status; a pending one only has the request.
    let status_modes = modes("/status/accessModes");
    ClaimRow {
        name: text(claim, "/metadata/name"),
        phase: text(claim, "/status/phase"),
        capacity: {
            let bound = text(claim, "/status/capacity/storage");
            if bound.is_empty() {
                text(claim, "/spec/resources/requests/storage")
            } else {
                bound
            }
        },
        access_modes: if status_modes.is_empty() {
            modes("/spec/accessModes")
        } else {
            status_modes
        },
        storage_class: text(claim, "/spec/storageClassName"),
        deleting: claim.pointer("/metadata/deletionTimestamp").is_some(),
    }
}

/// A StorageClass as the wizard offers it.
pub fn storage_class_row(class: &Value) -> StorageClassRow {
    StorageClassRow {
        name: text(class, "/metadata/name"),
        provisioner: text(class, "/provisioner"),
        default: class
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION))
            .and_then(Value::as_str)
            == Some("true"),
    }
}

/// Who last wrote the credentials Secret through the console, and when: the newest change
/// naming it that was applied.
async fn last_credentials_change(audit: &AuditStore) -> Option<(String, String, String)> {
    let filter = Filter {
        object: Some(CREDENTIALS_SECRET.to_string()),
        ..Default::default()
    };
    let rows = audit.list(&filter, None, 50).await.ok()?;
    rows.into_iter()
        .find(|row| {
            matches!(
                row.outcome.as_str(),
                "applied" | "healthy" | "degraded" | "timeout"
            )
        })
        .map(|row| (row.actor_name, row.at, row.change_id))
}

impl StorageService {
    async fn config(&self) -> Result<Value, ConsoleError> {
        get_required(&self.client, REGISTRY_CONFIG, "cluster").await
    }

    /// The credentials Secret as it is (`None`: absent). Its values stay in this process.
    async fn secret(&self) -> Result<Option<Value>, ConsoleError> {
        get_object(
            &self.client,
            SECRET,
            Some(REGISTRY_NAMESPACE),
            CREDENTIALS_SECRET,
        )
        .await
    }

    /// Every object of `resource` (in `namespace`), as the page lists it.
    async fn rows<T>(
        &self,
        resource: Resource,
        namespace: Option<&str>,
        row: fn(&Value) -> T,
    ) -> Result<Vec<T>, ConsoleError> {
        let list = resource
            .api(self.client.clone(), namespace)
            .list(&Default::default())
            .await
            .map_err(console_error)?;
        Ok(list
            .items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .map(|o| row(&o))
            .collect())
    }

    async fn claims(&self) -> Result<Vec<ClaimRow>, ConsoleError> {
        self.rows(PERSISTENT_VOLUME_CLAIM, Some(REGISTRY_NAMESPACE), claim_row)
            .await
    }

    async fn storage_classes(&self) -> Result<Vec<StorageClassRow>, ConsoleError> {
        self.rows(STORAGE_CLASS, None, storage_class_row).await
    }

    async fn platform(&self) -> Result<Option<String>, ConsoleError> {
        let object = INFRASTRUCTURE
            .api(self.client.clone(), None)
            .get_opt("cluster")
            .await
            .map_err(console_error)?;
        Ok(object.and_then(|o| {
            o.data
                .pointer("/status/platformStatus/type")
                .or_else(|| o.data.pointer("/status/platform"))
                .and_then(Value::as_str)
                .map(str::to_string)
        }))
    }

    async fn credentials(&self) -> Result<CredentialsView, ConsoleError> {
        let secret = self.secret().await?;
        let mut view = CredentialsView::default();
        if let Some(secret) = &secret {
            view.version = secret
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .map(str::to_string);
            view.keys = secret_data(secret).into_keys().collect();
            if let Some((by, at, change)) = last_credentials_change(&self.pipeline.audit).await {
                view.set_by = Some(by);
                view.set_at = Some(at);
                view.change_id = Some(change);
            }
        }
        Ok(view)
    }

    async fn load_view(&self) -> Result<StorageView, ConsoleError> {
        let config = self.config().await?;
        let spec = redacted_registry_spec(&config, &self.pipeline.fingerprints);
        // Each part on its own: one the user may not read says why, the rest still shows.
        let (platform, credentials, claims, classes, update_denied) = tokio::join!(
            self.platform(),
            self.credentials(),
            self.claims(),
            self.storage_classes(),
            denied_reason(self.cluster.as_ref(), "action.change_config"),
        );
        let why = |e: ConsoleError| e.to_string();
        Ok(StorageView {
            platform: platform.map_err(why),
            config_version: text(&config, "/metadata/resourceVersion"),
            storage: storage_summary(&spec),
            management_state: spec
                .get("managementState")
                .and_then(Value::as_str)
                .unwrap_or("Managed")
                .to_string(),
            conditions: conditions_of(config.get("status").unwrap_or(&Value::Null)),
            spec,
            credentials: credentials.map_err(why),
            claims: claims.map_err(why),
            storage_classes: classes.map_err(why),
            update_denied,
        })
    }

    /// What the checks know beyond the draft, read as the user now.
    async fn facts(&self, secret: Option<&Value>) -> Result<WizardFacts, ConsoleError> {
        Ok(WizardFacts {
            existing_keys: secret
                .map(|s| secret_data(s).into_keys().collect())
                .unwrap_or_default(),
            claims: self.claims().await?,
            // Unreadable classes are left to the dry run, which names the missing one.
            storage_classes: self.storage_classes().await.ok(),
        })
    }

    /// The wizard's draft as a pipeline request. The page's checks run again here first
    /// (against the cluster as it is now), so a draft built by hand gets the same answers.
    async fn request(
        &self,
        submission: StorageSubmission,
        reason: String,
    ) -> Result<ChangeRequest, ConsoleError> {
        let config = self.config().await?;
        let secret = self.secret().await?;
        let facts = self.facts(secret.as_ref()).await?;
        let problems: Vec<_> = validate_submission(&submission, &facts)
            .into_iter()
            .filter(|v| v.severity == Severity::Error)
            .collect();
        if !problems.is_empty() {
            return Err(change_error(PipelineError::Invalid(problems)));
        }
        let form = &submission.form;
        let mut steps = Vec::new();
        let typed: Vec<(&String, &String)> = submission
            .credentials
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if !typed.is_empty() {
            let data: serde_json::Map<String, Value> = typed
                .iter()
                .map(|(k, v)| {
                    let encoded = base64::engine::general_purpose::STANDARD.encode(v.as_bytes());
                    ((*k).clone(), Value::String(encoded))
                })
                .collect();
            steps.push(match (&secret, &submission.secret_version) {
                (None, _) => Step::create(
                    SECRET,
                    Some(REGISTRY_NAMESPACE),
                    json!({
                        "metadata": { "name": CREDENTIALS_SECRET, "namespace": REGISTRY_NAMESPACE },
                        "type": "Opaque",
                        "data": data,
                    }),
                ),
                (Some(current), seen) => {
                    let mut desired = current.clone();
                    for (key, value) in &data {
                        desired["data"][key] = value.clone();
                    }
                    // The version the user saw is the precondition: keys someone else
                    // rotated meanwhile are a conflict, not overwritten unseen.
                    let base = if seen.as_deref() == current.pointer("/metadata/resourceVersion").and_then(Value::as_str) {
                        current.clone()
                    } else {
                        json!({ "metadata": { "name": CREDENTIALS_SECRET, "namespace": REGISTRY_NAMESPACE, "resourceVersion": seen.clone().unwrap_or_default() } })
                    };
                    let redacted_base = seen.as_deref() != current.pointer("/metadata/resourceVersion").and_then(Value::as_str);
                    Step::patch(SECRET, Some(REGISTRY_NAMESPACE), CREDENTIALS_SECRET, base, redacted_base, desired)
                }
            });
        }
        let mut follow_up = FollowUpPlan::None;
        if submission.intent == StorageIntent::Configure {
            if form.path() == Some(StoragePath::BlockClaim)
                && kept_block_claim(config.get("spec").unwrap_or(&json!({})), form, &facts)
                    .is_none()
            {
                steps.push(Step::create(
                    PERSISTENT_VOLUME_CLAIM,
                    Some(REGISTRY_NAMESPACE),
                    block_claim(form),
                ));
            }
            let mut desired = config.clone();
            desired["spec"] = desired_spec(config.get("spec").unwrap_or(&json!({})), form);
            let base = json!({
                "apiVersion": REGISTRY_CONFIG.api_version(),
                "kind": REGISTRY_CONFIG.kind,
                "metadata": { "name": "cluster", "resourceVersion": submission.config_version },
                "spec": submission.config_spec,
            });
            steps.push(Step::patch(
                REGISTRY_CONFIG,
                None,
                "cluster",
                base,
                true,
                desired,
            ));
            follow_up = FollowUpPlan::RegistryRollout;
        }
        Ok(ChangeRequest {
            reason,
            steps,
            confirmations: Default::default(),
            follow_up,
            warnings: Vec::new(),
        })
    }
}

impl StorageAccess for StorageService {
    fn load(&self) -> BoxFuture<'_, Result<StorageView, ConsoleError>> {
        Box::pin(self.load_view())
    }
}

impl ChangeService for StorageService {
    fn check(&self, draft: String) -> BoxFuture<'_, Result<Vec<Violation>, ConsoleError>> {
        Box::pin(async move {
            let submission: StorageSubmission = decode_draft(&draft)?;
            let secret = self.secret().await.ok().flatten();
            let facts = self.facts(secret.as_ref()).await?;
            // The switch confirmation belongs to the review, not to every keystroke: asked
            // while the user is still choosing, it nagged before they had decided.
            Ok(validate_submission(&submission, &facts)
                .into_iter()
                .filter(|v| v.field != "confirm.switch")
                .collect())
        })
    }

    fn preview(&self, draft: String) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(decode_draft(&draft)?, String::new()).await?;
            self.pipeline
                .preview(self.client.clone(), &request)
                .await
                .map_err(change_error)
        })
    }

    fn apply(
        &self,
        draft: String,
        reason: String,
    ) -> BoxFuture<'_, Result<app::domain::change::Applied, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(decode_draft(&draft)?, reason).await?;
            self.pipeline
                .apply(self.client.clone(), &self.requester, request)
                .await
                .map_err(change_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_show_their_bound_capacity_and_modes() {
        let pending = json!({
            "metadata": { "name": "registry" },
            "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "100Gi" } }, "storageClassName": "sandbox-block" },
            "status": { "phase": "Pending" }
        });
        assert_eq!(
            claim_row(&pending),
            ClaimRow {
                name: "registry".into(),
                phase: "Pending".into(),
                capacity: "100Gi".into(),
                access_modes: vec!["ReadWriteOnce".into()],
                storage_class: "sandbox-block".into(),
                deleting: false,
            }
        );
        let mut bound = pending.clone();
        bound["status"] = json!({ "phase": "Bound", "capacity": { "storage": "120Gi" }, "accessModes": ["ReadWriteMany"] });
        let row = claim_row(&bound);
        assert_eq!(
            (row.capacity.as_str(), row.access_modes[0].as_str()),
            ("120Gi", "ReadWriteMany")
        );
    }

    #[test]
    fn the_default_class_is_marked() {
        let class = json!({ "metadata": { "name": "standard", "annotations": { DEFAULT_CLASS_ANNOTATION: "true" } }, "provisioner": "x" });
        assert!(storage_class_row(&class).default);
        assert!(!storage_class_row(&json!({ "metadata": { "name": "slow" } })).default);
    }
}
