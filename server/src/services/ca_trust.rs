//! The CA-trust page's service (SPEC §6, guide 2.5): the ConfigMap that
//! `images.config.openshift.io/cluster` names, its CAs parsed (facts only), and the page's
//! changes through the change pipeline. Adding the first CA creates the ConfigMap and sets
//! `spec.additionalTrustedCA.name` in one audited change; removing the last one may unset
//! the reference and delete the ConfigMap, also in one.

use super::{change_error, decode_draft, denied_reason, get_object, get_required, text};
use crate::change::tls::{self, check_ca_bundle};
use crate::change::{ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, Step};
use crate::kube::resources::{CONFIG_MAP, IMAGE_CONFIG};
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, CaTrustAccess, ChangeService, ClusterAccess};
use app::domain::ca_trust::{
    CONFIG_NAMESPACE, CaTrustChange, CaTrustSubmission, CaTrustView, DEFAULT_CONFIG_MAP, FIELD_PEM,
    SeenConfigMap, SeenTrust, TrustedCa, desired_data, read_submission, validate,
};
use app::domain::change::{Applied, ChangePreview};
use app::domain::form_draft::FormDraft;
use app::domain::violation::{Severity, Violation};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One request's access to the trusted registry CAs, as its user.
pub struct CaTrustService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
}

/// A ConfigMap's `data`.
fn config_map_data(config_map: &Value) -> BTreeMap<String, String> {
    config_map
        .get("data")
        .and_then(Value::as_object)
        .map(|data| {
            data.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Each key's certificates, or why its value does not parse.
pub fn trusted_cas(
    data: &BTreeMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<TrustedCa> {
    data.iter()
        .map(|(key, pem)| {
            let (infos, problems) = check_ca_bundle(key, pem.as_bytes(), now);
            TrustedCa {
                key: key.clone(),
                certificates: match problems.into_iter().find(|_| infos.is_empty()) {
                    Some(problem) => Err(problem),
                    None => Ok(infos.into_iter().map(|i| tls::shown(i, now)).collect()),
                },
            }
        })
        .collect()
}

impl CaTrustService {
    async fn image(&self) -> Result<Value, ConsoleError> {
        get_required(&self.client, IMAGE_CONFIG, "cluster").await
    }

    async fn config_map(&self, name: &str) -> Result<Option<Value>, ConsoleError> {
        get_object(&self.client, CONFIG_MAP, Some(CONFIG_NAMESPACE), name).await
    }

    async fn load_view(&self) -> Result<CaTrustView, ConsoleError> {
        let (image, update_denied) = tokio::join!(
            self.image(),
            denied_reason(self.cluster.as_ref(), "action.change_ca_trust"),
        );
        let image = image?;
        let mut seen = SeenTrust {
            image_version: text(&image, "/metadata/resourceVersion"),
            image_spec: image.get("spec").cloned().unwrap_or_else(|| json!({})),
            config_map: None,
        };
        let mut view = CaTrustView {
            seen: SeenTrust::default(),
            config_map_error: None,
            config_map_missing: false,
            entries: Vec::new(),
            update_denied,
        };
        if let Some(name) = seen.reference() {
            match self.config_map(&name).await {
                Ok(Some(map)) => {
                    let data = config_map_data(&map);
                    view.entries = trusted_cas(&data, chrono::Utc::now());
                    seen.config_map = Some(SeenConfigMap {
                        name,
                        version: text(&map, "/metadata/resourceVersion"),
                        data,
                    });
                }
                Ok(None) => view.config_map_missing = true,
                Err(e) => view.config_map_error = Some(e.to_string()),
            }
        }
        view.seen = seen;
        Ok(view)
    }

    /// The form's rules and the pasted CA's, errors and warnings.
    fn problems(submission: &CaTrustSubmission) -> Vec<Violation> {
        let mut out = validate(submission);
        if let CaTrustChange::Add { pem, .. } = &submission.change
            && !pem.is_empty()
        {
            out.extend(check_ca_bundle(FIELD_PEM, pem.as_bytes(), chrono::Utc::now()).1);
        }
        out
    }

    /// The draft as a pipeline request, with the warnings the review shows.
    async fn request(&self, draft: &str, reason: String) -> Result<ChangeRequest, ConsoleError> {
        let draft: FormDraft = decode_draft(draft)?;
        let submission =
            read_submission(&draft).map_err(|v| change_error(PipelineError::Invalid(v)))?;
        let (errors, warnings): (Vec<_>, Vec<_>) = Self::problems(&submission)
            .into_iter()
            .partition(|v| v.severity == Severity::Error);
        if !errors.is_empty() {
            return Err(change_error(PipelineError::Invalid(errors)));
        }
        let seen = &submission.seen;
        let image = self.image().await?;
        // The ConfigMap the change writes: the one named now, else the one the form names.
        let referenced = seen.reference();
        let name = match (&referenced, &submission.change) {
            (Some(name), _) => name.clone(),
            (None, CaTrustChange::Add { config_map, .. }) if !config_map.is_empty() => {
                config_map.clone()
            }
            (None, _) => DEFAULT_CONFIG_MAP.to_string(),
        };
        let current = self.config_map(&name).await?;
        let seen_map = seen.config_map.as_ref().filter(|m| m.name == name);
        let data = desired_data(
            &current.as_ref().map(config_map_data).unwrap_or_default(),
            &submission.change,
        );
        let mut steps = Vec::new();
        let unset = matches!(
            submission.change,
            CaTrustChange::Remove {
                unset_when_empty: true,
                ..
            }
        ) && data.is_empty();
        match (&current, unset) {
            (None, _) => steps.push(Step::create(
                CONFIG_MAP,
                Some(CONFIG_NAMESPACE),
                json!({
                    "metadata": { "name": name, "namespace": CONFIG_NAMESPACE },
                    "data": data,
                }),
            )),
            (Some(current), unset) => {
                // What the page saw is the precondition; a ConfigMap it did not see is
                // taken as it is now (the dry run and the apply still carry its version).
                let base = seen_map.map_or_else(|| current.clone(), seen_config_map);
                if unset {
                    steps.push(Step::delete(
                        CONFIG_MAP,
                        Some(CONFIG_NAMESPACE),
                        &name,
                        base,
                        false,
                    ));
                } else {
                    let mut desired = current.clone();
                    desired["data"] = json!(data);
                    steps.push(Step::patch(
                        CONFIG_MAP,
                        Some(CONFIG_NAMESPACE),
                        &name,
                        base,
                        false,
                        desired,
                    ));
                }
            }
        }
        let mut spec = image.get("spec").cloned().unwrap_or_else(|| json!({}));
        if unset {
            if let Some(map) = spec.as_object_mut() {
                map.remove("additionalTrustedCA");
            }
        } else if referenced.is_none() {
            spec["additionalTrustedCA"] = json!({ "name": name });
        }
        if Some(&spec) != image.get("spec") {
            let mut desired = image.clone();
            desired["spec"] = spec;
            steps.push(Step::patch(
                IMAGE_CONFIG,
                None,
                "cluster",
                json!({
                    "apiVersion": IMAGE_CONFIG.api_version(),
                    "kind": IMAGE_CONFIG.kind,
                    "metadata": { "name": "cluster", "resourceVersion": seen.image_version },
                    "spec": seen.image_spec,
                }),
                false,
                desired,
            ));
        }
        Ok(ChangeRequest {
            reason,
            steps,
            confirmations: Default::default(),
            follow_up: FollowUpPlan::None,
            warnings,
        })
    }
}

/// The ConfigMap as the page saw it, as a step's base.
fn seen_config_map(seen: &SeenConfigMap) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": seen.name, "namespace": CONFIG_NAMESPACE, "resourceVersion": seen.version },
        "data": seen.data,
    })
}

impl CaTrustAccess for CaTrustService {
    fn load(&self) -> BoxFuture<'_, Result<CaTrustView, ConsoleError>> {
        Box::pin(self.load_view())
    }
}

impl ChangeService for CaTrustService {
    fn check(&self, draft: String) -> BoxFuture<'_, Result<Vec<Violation>, ConsoleError>> {
        Box::pin(async move {
            let draft: FormDraft = decode_draft(&draft)?;
            Ok(match read_submission(&draft) {
                Ok(submission) => Self::problems(&submission),
                Err(v) => v,
            })
        })
    }

    fn preview(&self, draft: String) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(&draft, String::new()).await?;
            self.pipeline
                .preview(self.client.clone(), &request)
                .await
                .map_err(change_error)
        })
    }

    fn apply(&self, draft: String, reason: String) -> BoxFuture<'_, Result<Applied, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(&draft, reason).await?;
            self.pipeline
                .apply(self.client.clone(), &self.requester, request)
                .await
                .map_err(change_error)
        })
    }
}
