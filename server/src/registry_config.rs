//! The Configuration page's server side: the registry `Config` as the signed-in user, and
//! changes to it through the change pipeline (SPEC §5).

use crate::audit::redact::redact;
use crate::pipeline::{
    ChangePipeline, ChangeRequest, PipelineError, REGISTRY_GROUP, Requester, Step,
    registry_config_api,
};
use crate::user_kube::console_error;
use app::access::{REGISTRY_NAMESPACE, console_actions};
use app::change::{Applied, ChangePreview};
use app::config_form::{
    AdvancedEdit, ConfigSubmission, ConfigView, HttpSecretChange, RolloutView, advanced_fields,
    apply_form, form_from_spec, rollout_view, storage_summary,
};
use app::config_rules::{RuleContext, Severity, Violation};
use app::error::ConsoleError;
use app::server_api::{BoxFuture, ClusterAccess, ConfigAccess};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use serde_json::{Value, json};
use std::sync::Arc;

/// Claim the operator creates when `storage.pvc.claim` is left empty.
const DEFAULT_CLAIM: &str = "image-registry-storage";

/// One request's access to the registry Config, as its user.
pub struct RegistryConfigService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
}

fn change_error(e: PipelineError) -> ConsoleError {
    ConsoleError::Change(Box::new(e))
}

/// The Advanced editor's YAML as an object (`null` when blank).
pub fn parse_advanced(text: &str) -> Result<Value, Violation> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| Violation {
        field: "advanced".into(),
        key: "config.yaml_invalid".into(),
        params: vec![("problem".into(), e.to_string())],
        severity: Severity::Error,
    })
}

/// The advanced fields as the YAML the editor shows (blank when none are set).
pub fn render_advanced(spec: &Value) -> String {
    let fields = advanced_fields(spec);
    if fields.as_object().is_none_or(|m| m.is_empty()) {
        return String::new();
    }
    serde_saphyr::to_string(&fields).unwrap_or_default()
}

/// `scheme`, `user`, `password`, `host`, `path` of `scheme://user:password@host/path`.
fn url_parts(url: &str) -> Option<(&str, &str, &str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let (userinfo, host) = authority.rsplit_once('@')?;
    let (user, password) = userinfo.split_once(':')?;
    Some((scheme, user, password, host, path))
}

/// The page shows proxy URLs with the password replaced by its fingerprint. When the user
/// edits such a URL (the host, say) and leaves that fingerprint in it, the real password
/// is put back; any other fingerprint text is refused (`Err`), never written as a
/// password. `Ok(None)`: nothing to restore.
fn restore_proxy_password(
    edited: &str,
    current: Option<&str>,
    key: &crate::audit::redact::FingerprintKey,
) -> Result<Option<String>, ()> {
    let Some((scheme, user, password, host, path)) = url_parts(edited) else {
        return Ok(None);
    };
    if !password.starts_with("fingerprint:") {
        return Ok(None);
    }
    match current.and_then(url_parts) {
        Some((_, _, real, _, _)) if key.fingerprint(real.as_bytes()) == password => {
            Ok(Some(format!("{scheme}://{user}:{real}@{host}{path}")))
        }
        _ => Err(()),
    }
}

/// 32 random bytes as hex: a new `httpSecret` nobody ever sees.
fn generate_http_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    crate::audit::chain::hex(&bytes)
}

impl RegistryConfigService {
    async fn current(&self) -> Result<Value, ConsoleError> {
        let object = registry_config_api(self.client.clone())
            .get("cluster")
            .await
            .map_err(console_error)?;
        serde_json::to_value(object).map_err(|e| ConsoleError::Unavailable(e.to_string()))
    }

    async fn load_view(&self) -> Result<ConfigView, ConsoleError> {
        let current = self.current().await?;
        let redacted = redact(&current, &self.pipeline.fingerprints);
        let spec = redacted.get("spec").cloned().unwrap_or(json!({}));
        let generation = current
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        // Without an answer from the API server the page is read-only, saying why.
        let update_denied = match self.cluster.review(console_actions()).await {
            Ok(decisions) => decisions
                .into_iter()
                .find(|d| d.check.action_key == "action.change_config")
                .filter(|d| !d.allowed)
                .map(|d| d.reason.unwrap_or_else(|| d.check.permission())),
            Err(e) => Some(e.to_string()),
        };
        Ok(ConfigView {
            resource_version: current
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            generation,
            form: form_from_spec(&spec, render_advanced(&spec)),
            http_secret_set: current
                .pointer("/spec/httpSecret")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty()),
            storage: storage_summary(&spec),
            rollout: rollout_view(current.get("status").unwrap_or(&Value::Null), generation),
            spec,
            update_denied,
        })
    }

    /// Access modes of the claim a PVC storage names (as the user), for the RWO rules;
    /// `None` when there is no PVC storage or no such claim yet. A claim that cannot be
    /// read refuses the change: skipping the ReadWriteOnce rules would let through what
    /// they exist to stop.
    async fn claim_access_modes(&self, spec: &Value) -> Result<Option<Vec<String>>, ConsoleError> {
        let Some(pvc) = spec.pointer("/storage/pvc") else {
            return Ok(None);
        };
        let name = pvc
            .get("claim")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .unwrap_or(DEFAULT_CLAIM);
        let claims: kube::Api<PersistentVolumeClaim> =
            kube::Api::namespaced(self.client.clone(), REGISTRY_NAMESPACE);
        let claim = claims.get_opt(name).await.map_err(console_error)?;
        Ok(claim.and_then(|c| c.spec).and_then(|s| s.access_modes))
    }

    /// The submission as a pipeline request: the user's edits written onto the Config as
    /// it is now, based on the version they loaded.
    async fn request(&self, submission: ConfigSubmission) -> Result<ChangeRequest, ConsoleError> {
        let current = self.current().await?;
        let mut problems = Vec::new();
        let advanced = match (
            parse_advanced(&submission.original.advanced_yaml),
            parse_advanced(&submission.edited.advanced_yaml),
        ) {
            (Ok(original), Ok(edited)) => AdvancedEdit { original, edited },
            (_, Err(problem)) | (Err(problem), _) => {
                problems.push(problem);
                AdvancedEdit::default()
            }
        };
        let mut desired = current.clone();
        let mut spec = desired.get("spec").cloned().unwrap_or(json!({}));
        problems.extend(apply_form(
            &mut spec,
            &submission.original,
            &submission.edited,
            &advanced,
        ));
        for key in ["http", "https"] {
            let field = format!("spec.proxy.{key}");
            let edited = spec
                .pointer(&format!("/proxy/{key}"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let current_url = current
                .pointer(&format!("/spec/proxy/{key}"))
                .and_then(Value::as_str);
            match edited
                .map(|url| restore_proxy_password(&url, current_url, &self.pipeline.fingerprints))
            {
                Some(Ok(Some(real))) => spec["proxy"][key] = json!(real),
                Some(Err(())) => problems.push(Violation {
                    field,
                    key: "config.proxy_password_redacted".into(),
                    params: Vec::new(),
                    severity: Severity::Error,
                }),
                Some(Ok(None)) | None => {}
            }
        }
        match &submission.http_secret {
            HttpSecretChange::Keep => {}
            HttpSecretChange::Generate => spec["httpSecret"] = json!(generate_http_secret()),
            HttpSecretChange::Set(value) if value.trim().is_empty() => problems.push(Violation {
                field: "spec.httpSecret".into(),
                key: "rule.http_secret_empty".into(),
                params: Vec::new(),
                severity: Severity::Error,
            }),
            HttpSecretChange::Set(value) => spec["httpSecret"] = json!(value.trim()),
        }
        if !problems.is_empty() {
            return Err(change_error(PipelineError::Invalid(problems)));
        }
        let rules = RuleContext {
            claim_access_modes: self.claim_access_modes(&spec).await?,
            removal_confirmed: submission.confirm_removed,
            current_state: current
                .pointer("/spec/managementState")
                .and_then(Value::as_str)
                .map(str::to_string),
        };
        desired["spec"] = spec;
        let base = json!({
            "apiVersion": format!("{REGISTRY_GROUP}/v1"),
            "kind": "Config",
            "metadata": { "name": "cluster", "resourceVersion": submission.base_version },
            "spec": submission.base_spec,
        });
        Ok(ChangeRequest {
            reason: submission.reason,
            steps: vec![Step {
                group: REGISTRY_GROUP.into(),
                version: "v1".into(),
                kind: "Config".into(),
                plural: "configs".into(),
                namespace: None,
                name: "cluster".into(),
                base,
                base_redacted: true,
                desired,
            }],
            rules,
        })
    }

    async fn run_apply(&self, submission: ConfigSubmission) -> Result<Applied, ConsoleError> {
        let request = self.request(submission).await?;
        let applied = self
            .pipeline
            .apply(self.client.clone(), &self.requester, request)
            .await
            .map_err(change_error)?;
        if applied.config_generation.is_some() {
            // On the server, so the outcome is recorded even if the user leaves the page.
            let pipeline = self.pipeline.clone();
            let client = self.client.clone();
            let requester = self.requester.clone();
            let change = applied.clone();
            tokio::spawn(async move {
                pipeline.follow_up(client, &requester, &change).await;
            });
        }
        Ok(applied)
    }

    async fn run_rollout(&self, generation: i64) -> Result<RolloutView, ConsoleError> {
        let current = self.current().await?;
        let generation = if generation > 0 {
            generation
        } else {
            current
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        Ok(rollout_view(
            current.get("status").unwrap_or(&Value::Null),
            generation,
        ))
    }
}

impl ConfigAccess for RegistryConfigService {
    fn load(&self) -> BoxFuture<'_, Result<ConfigView, ConsoleError>> {
        Box::pin(self.load_view())
    }

    fn preview(
        &self,
        submission: ConfigSubmission,
    ) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(submission).await?;
            self.pipeline
                .preview(self.client.clone(), &request)
                .await
                .map_err(change_error)
        })
    }

    fn apply(&self, submission: ConfigSubmission) -> BoxFuture<'_, Result<Applied, ConsoleError>> {
        Box::pin(self.run_apply(submission))
    }

    fn rollout(&self, generation: i64) -> BoxFuture<'_, Result<RolloutView, ConsoleError>> {
        Box::pin(self.run_rollout(generation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advanced_yaml_round_trips() {
        let spec = json!({
            "replicas": 2,
            "tolerations": [{ "key": "infra", "operator": "Exists", "effect": "NoSchedule" }],
            "nodeSelector": { "node-role.kubernetes.io/infra": "" }
        });
        let text = render_advanced(&spec);
        assert!(!text.contains("replicas"), "{text}");
        let back = parse_advanced(&text).expect("parses");
        assert_eq!(back, advanced_fields(&spec));
        assert_eq!(render_advanced(&json!({ "replicas": 1 })), "");
        assert_eq!(parse_advanced("  \n"), Ok(Value::Null));
    }

    #[test]
    fn bad_yaml_names_the_editor() {
        let problem = parse_advanced("tolerations: [").expect_err("invalid");
        assert_eq!(problem.field, "advanced");
        assert_eq!(problem.key, "config.yaml_invalid");
        assert!(!problem.params[0].1.is_empty());
    }

    #[test]
    fn an_edited_proxy_url_keeps_its_real_password() {
        let key = crate::audit::redact::FingerprintKey([7u8; 32]);
        let current = "http://user:s3cret@old-proxy:3128/";
        let shown = crate::audit::redact::redact_url_password(current, &key);
        let edited = shown.replace("old-proxy", "new-proxy");
        assert_eq!(
            restore_proxy_password(&edited, Some(current), &key),
            Ok(Some("http://user:s3cret@new-proxy:3128/".to_string()))
        );
        // A typed password is kept as typed; a URL without one is left alone.
        assert_eq!(
            restore_proxy_password("http://u:typed@p:1", Some(current), &key),
            Ok(None)
        );
        assert_eq!(
            restore_proxy_password("http://p:1", Some(current), &key),
            Ok(None)
        );
        // A fingerprint that is not the current password's is never written.
        assert_eq!(
            restore_proxy_password("http://u:fingerprint:00@p:1", Some(current), &key),
            Err(())
        );
        assert_eq!(restore_proxy_password(&edited, None, &key), Err(()));
    }

    #[test]
    fn generated_secrets_are_long_and_different() {
        let a = generate_http_secret();
        assert_eq!(a.len(), 64);
        assert_ne!(a, generate_http_secret());
    }
}
