//! The Configuration page's service: the registry `Config` as the signed-in user, and
//! changes to it through the change pipeline (SPEC §5).

use super::{change_error, decode_draft, refused_rules};
use crate::audit::redact::redacted_registry_spec;
use crate::change::pipeline::Confirmations;
use crate::change::{ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, Step};
use crate::kube::resources::REGISTRY_CONFIG;
use crate::kube::user::console_error;
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, ChangeService, ClusterAccess, ConfigAccess};
use app::domain::change::{Applied, ChangePreview};
use app::domain::form_draft::FormDraft;
use app::domain::registry_config::form::{
    AdvancedEdit, ConfigSubmission, ConfigView, HttpSecretChange, apply_form, config_submission,
    form_from_spec, rollout_view, storage_summary,
};
use app::domain::registry_config::rules::{RuleContext, validate_config_spec};
use app::domain::violation::{Severity, Violation};
use serde_json::{Value, json};
use std::sync::Arc;

/// One request's access to the registry Config, as its user.
pub struct RegistryConfigService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
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

/// Both sides of the Advanced editor (as loaded, as typed) parsed; a side that does not
/// parse is a problem in `problems`, and the edit is then empty (nothing applied).
pub fn advanced_edit(original: &str, edited: &str, problems: &mut Vec<Violation>) -> AdvancedEdit {
    match (parse_advanced(original), parse_advanced(edited)) {
        (Ok(original), Ok(edited)) => AdvancedEdit { original, edited },
        (_, Err(problem)) | (Err(problem), _) => {
            problems.push(problem);
            AdvancedEdit::default()
        }
    }
}

/// The advanced fields as the YAML the editor shows (blank when none are set).
pub fn render_advanced(spec: &Value) -> String {
    render_advanced_of(spec, &app::domain::registry_config::form::ADVANCED_KEYS)
}

/// The fields `keys` of a spec as YAML (blank when none are set).
pub fn render_advanced_of(spec: &Value, keys: &[&str]) -> String {
    let fields = app::domain::registry_config::form::advanced_fields_of(spec, keys);
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
pub fn generate_http_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    crate::audit::chain::hex(&bytes)
}

impl RegistryConfigService {
    async fn current(&self) -> Result<Value, ConsoleError> {
        let object = REGISTRY_CONFIG
            .api(self.client.clone(), None)
            .get("cluster")
            .await
            .map_err(console_error)?;
        serde_json::to_value(object).map_err(|e| ConsoleError::Unavailable(e.to_string()))
    }

    async fn load_view(&self) -> Result<ConfigView, ConsoleError> {
        let current = self.current().await?;
        let spec = redacted_registry_spec(&current, &self.pipeline.fingerprints);
        let generation = current
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        // Without an answer from the API server the page is read-only, saying why.
        let update_denied =
            super::denied_reason(self.cluster.as_ref(), "action.change_config").await;
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

    /// The submission as a pipeline request: the user's edits written onto the Config as
    /// it is now, based on the version they loaded.
    async fn request(
        &self,
        submission: ConfigSubmission,
        reason: String,
    ) -> Result<ChangeRequest, ConsoleError> {
        let current = self.current().await?;
        let mut problems = Vec::new();
        let advanced = advanced_edit(
            &submission.original.advanced_yaml,
            &submission.edited.advanced_yaml,
            &mut problems,
        );
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
        desired["spec"] = spec;
        let base = json!({
            "apiVersion": REGISTRY_CONFIG.api_version(),
            "kind": REGISTRY_CONFIG.kind,
            "metadata": { "name": "cluster", "resourceVersion": submission.base_version },
            "spec": submission.base_spec,
        });
        Ok(ChangeRequest {
            reason,
            steps: vec![Step::patch(
                REGISTRY_CONFIG,
                None,
                "cluster",
                base,
                true,
                desired,
            )],
            confirmations: Confirmations {
                removal: submission.confirm_removed,
            },
            follow_up: FollowUpPlan::RegistryRollout,
            warnings: Vec::new(),
        })
    }
}

impl ConfigAccess for RegistryConfigService {
    fn load(&self) -> BoxFuture<'_, Result<ConfigView, ConsoleError>> {
        Box::pin(self.load_view())
    }
}

/// The page's draft (its form as the change-forms island read it) as a submission.
fn submission(draft: &str) -> Result<ConfigSubmission, ConsoleError> {
    let draft: FormDraft = decode_draft(draft)?;
    config_submission(&draft, render_advanced).map_err(|v| change_error(PipelineError::Invalid(v)))
}

/// The Config's rules of SPEC §4 on the spec `request` would write (the claim-dependent
/// rule and the schema wait for the preview).
fn config_rules(request: &ChangeRequest) -> Vec<Violation> {
    let Some(step) = request.steps.first() else {
        return Vec::new();
    };
    let at = |object: &Option<Value>, pointer: &str| {
        object.as_ref().and_then(|o| o.pointer(pointer)).cloned()
    };
    let context = RuleContext {
        claim_access_modes: None,
        claim_missing: false,
        removal_confirmed: request.confirmations.removal,
        current_state: at(&step.base, "/spec/managementState")
            .and_then(|s| s.as_str().map(str::to_string)),
    };
    validate_config_spec(&at(&step.desired, "/spec").unwrap_or_default(), &context)
}

impl ChangeService for RegistryConfigService {
    /// The checks as the user types: the form's own (numbers, YAML, proxy fingerprints, an
    /// empty secret), then the Config's rules of SPEC §4 on the spec the form would write
    /// (route names and hosts, the removal confirmation, …). The claim-dependent rule and
    /// the schema wait for the preview.
    fn check(&self, draft: String) -> BoxFuture<'_, Result<Vec<Violation>, ConsoleError>> {
        Box::pin(async move {
            let request = match submission(&draft) {
                Ok(submission) => self.request(submission, String::new()).await,
                Err(e) => Err(e),
            };
            match request {
                Ok(request) => Ok(config_rules(&request)),
                Err(e) => refused_rules::<()>(Err(e)),
            }
        })
    }

    fn preview(&self, draft: String) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(submission(&draft)?, String::new()).await?;
            self.pipeline
                .preview(self.client.clone(), &request)
                .await
                .map_err(change_error)
        })
    }

    fn apply(&self, draft: String, reason: String) -> BoxFuture<'_, Result<Applied, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(submission(&draft)?, reason).await?;
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
    use app::domain::registry_config::form::advanced_fields;

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
