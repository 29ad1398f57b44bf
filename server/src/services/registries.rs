//! The Registries page's service (guide chapter 4): the image config's registry sources,
//! the cluster's pull secret and the Samples Operator's copy of the registry.redhat.io
//! credentials, read as the user and changed through the change pipeline.
//!
//! Credential values stay in this process: the page gets each entry's facts and a keyed
//! fingerprint; the review gets the Secret's fingerprints (the pipeline redacts Secrets)
//! and the registry that changes; the `oc` commands hold placeholders.

use super::registry_login::{LoginOutcome, test_login};
use super::{change_error, decode_draft, denied_reason, get_object, get_required, text};
use crate::audit::store::{AuditStore, Filter};
use crate::change::{ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, Step};
use crate::kube::resources::{CONFIG_MAP, IMAGE_CONFIG, IMAGE_STREAM, NODE, SECRET};
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, ChangeService, ClusterAccess, RegistriesAccess};
use app::domain::ca_trust::{self, CONFIG_NAMESPACE};
use app::domain::change::{Applied, ChangePreview};
use app::domain::form_draft::FormDraft;
use app::domain::registries::pull_secret::{DOCKER_CONFIG_KEY, DockerConfig, SECRET_TYPE, facts};
use app::domain::registries::sources::{Dependencies, SAMPLES_SOURCE, Sources};
use app::domain::registries::{
    CredentialEntry, FIELD_REGISTRY, NodeCount, PULL_SECRET, PULL_SECRET_NAMESPACE,
    PullSecretState, RegistriesChange, RegistriesSubmission, RegistriesView, RuleFacts,
    SAMPLES_NAMESPACE, SAMPLES_SECRET, SeenRegistries, SetBy, read_submission, validate,
};
use app::domain::violation::{Severity, Violation};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

/// One request's access to the registry sources and pull credentials, as its user.
pub struct RegistriesService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
}

/// A dockerconfigjson Secret as read: absent, not readable, not a docker config, or one.
enum SecretRead {
    Missing,
    Unavailable(String),
    Unreadable {
        version: String,
        why: String,
    },
    Config {
        version: String,
        object: Value,
        config: DockerConfig,
    },
}

impl SecretRead {
    fn version(&self) -> Option<String> {
        match self {
            SecretRead::Unreadable { version, .. } | SecretRead::Config { version, .. } => {
                Some(version.clone())
            }
            _ => None,
        }
    }

    fn hosts(&self) -> Vec<String> {
        match self {
            SecretRead::Config { config, .. } => {
                config.entries().map(|(h, _)| h.to_string()).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// The `.dockerconfigjson` of a Secret object, parsed.
fn read_secret(object: Option<Value>) -> SecretRead {
    let Some(object) = object else {
        return SecretRead::Missing;
    };
    let version = text(&object, "/metadata/resourceVersion");
    let encoded = object
        .pointer(&format!("/data/{}", DOCKER_CONFIG_KEY.replace('/', "~1")))
        .and_then(Value::as_str);
    let Some(encoded) = encoded else {
        return SecretRead::Unreadable {
            version,
            why: format!("the Secret has no {DOCKER_CONFIG_KEY} key"),
        };
    };
    let parsed = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| format!("not base64: {e}"))
        .and_then(|bytes| String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string()))
        .and_then(|text| DockerConfig::parse(&text));
    match parsed {
        Ok(config) => SecretRead::Config {
            version,
            object,
            config,
        },
        Err(why) => SecretRead::Unreadable { version, why },
    }
}

/// The registry each newest console change of `secret` set or removed: the registry named
/// by its `registries.credential.*` warning, who applied it and when.
async fn set_by(audit: &AuditStore, secret: &str) -> Vec<(String, SetBy)> {
    let filter = Filter {
        object: Some(secret.to_string()),
        ..Default::default()
    };
    let Ok(rows) = audit.list(&filter, None, 50).await else {
        return Vec::new();
    };
    let mut out: Vec<(String, Option<SetBy>)> = Vec::new();
    for row in rows.into_iter().filter(|r| {
        matches!(
            r.outcome.as_str(),
            "applied" | "healthy" | "degraded" | "timeout"
        )
    }) {
        let Ok(events) = audit.change_events(&row.change_id).await else {
            continue;
        };
        let Some(intent) = events.first() else {
            continue;
        };
        let payload: Value = serde_json::from_str(&intent.payload).unwrap_or_default();
        let warnings: Vec<Violation> =
            serde_json::from_value(payload["warnings"].clone()).unwrap_or_default();
        // The newest change naming a registry decides: a removal hides older settings.
        for w in warnings
            .iter()
            .filter(|w| w.key.starts_with("registries.credential.sets"))
        {
            if let Some((_, registry)) = w.params.iter().find(|(k, _)| k == "registry")
                && !out.iter().any(|(r, _)| r == registry)
            {
                let by = (w.key != "registries.credential.sets_removed").then(|| SetBy {
                    actor: row.actor_name.clone(),
                    at: row.at.clone(),
                    change_id: row.change_id.clone(),
                });
                out.push((registry.clone(), by));
            }
        }
    }
    out.into_iter()
        .filter_map(|(r, by)| by.map(|by| (r, by)))
        .collect()
}

/// The registry host of an image reference (`registry.redhat.io/ubi8/ubi:latest`), when
/// it names one (a first part with a dot or a port, or `localhost`).
fn image_host(reference: &str) -> Option<String> {
    let (first, rest) = reference.split_once('/')?;
    (!rest.is_empty() && (first.contains('.') || first.contains(':') || first == "localhost"))
        .then(|| first.to_string())
}

impl RegistriesService {
    async fn image(&self) -> Result<Value, ConsoleError> {
        get_required(&self.client, IMAGE_CONFIG, "cluster").await
    }

    async fn secret(&self, namespace: &str, name: &str) -> SecretRead {
        match get_object(&self.client, SECRET, Some(namespace), name).await {
            Ok(object) => read_secret(object),
            Err(e) => SecretRead::Unavailable(e.to_string()),
        }
    }

    /// How many nodes there are (each rolls out a registrySources change), as the user.
    async fn nodes(&self) -> NodeCount {
        match NODE
            .api(self.client.clone(), None)
            .list_metadata(&Default::default())
            .await
        {
            Ok(list) => NodeCount::Known(list.items.len()),
            Err(kube::Error::Api(status)) if status.code == 403 => NodeCount::Forbidden,
            Err(e) => NodeCount::Failed(crate::kube::user::console_error(e).to_string()),
        }
    }

    /// What a change may cut off: the internal registry's hostname and the hosts the
    /// image streams in `openshift` import from (when they can be read).
    async fn dependencies(&self, image: &Value) -> Dependencies {
        let internal = text(image, "/status/internalRegistryHostname");
        let mut sample_hosts: Vec<String> = Vec::new();
        if let Ok(list) = IMAGE_STREAM
            .api(self.client.clone(), Some(SAMPLES_NAMESPACE))
            .list(&Default::default())
            .await
        {
            for stream in list.items {
                let tags = stream.data.pointer("/spec/tags").and_then(Value::as_array);
                for tag in tags.into_iter().flatten() {
                    if tag.pointer("/from/kind").and_then(Value::as_str) == Some("DockerImage")
                        && let Some(host) = tag
                            .pointer("/from/name")
                            .and_then(Value::as_str)
                            .and_then(image_host)
                        && !sample_hosts.contains(&host)
                    {
                        sample_hosts.push(host);
                    }
                }
            }
        }
        Dependencies {
            internal_hostname: (!internal.is_empty()).then_some(internal),
            sample_hosts,
        }
    }

    /// A pull secret as the page lists it.
    async fn shown(&self, read: &SecretRead, name: &str) -> PullSecretState {
        match read {
            SecretRead::Missing => PullSecretState::Missing,
            SecretRead::Unavailable(why) => PullSecretState::Unavailable(why.clone()),
            SecretRead::Unreadable { why, .. } => PullSecretState::Unreadable(why.clone()),
            SecretRead::Config { config, .. } => {
                let set_by = set_by(&self.pipeline.audit, name).await;
                PullSecretState::Entries(
                    config
                        .entries()
                        .map(|(registry, entry)| CredentialEntry {
                            registry: registry.to_string(),
                            facts: facts(entry),
                            fingerprint: self.pipeline.fingerprints.fingerprint(entry.as_bytes()),
                            set_by: set_by
                                .iter()
                                .find(|(r, _)| r == registry)
                                .map(|(_, s)| s.clone()),
                        })
                        .collect(),
                )
            }
        }
    }

    async fn load_view(&self) -> Result<RegistriesView, ConsoleError> {
        let (image, pull, samples, nodes, image_denied, secret_denied) = tokio::join!(
            self.image(),
            self.secret(PULL_SECRET_NAMESPACE, PULL_SECRET),
            self.secret(SAMPLES_NAMESPACE, SAMPLES_SECRET),
            self.nodes(),
            denied_reason(self.cluster.as_ref(), "action.change_registry_sources"),
            denied_reason(self.cluster.as_ref(), "action.write_pull_secret"),
        );
        let image = image?;
        let spec = image.get("spec").cloned().unwrap_or_else(|| json!({}));
        let dependencies = self.dependencies(&image).await;
        let status_external = image
            .pointer("/status/externalRegistryHostnames")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Ok(RegistriesView {
            seen: SeenRegistries {
                image_version: text(&image, "/metadata/resourceVersion"),
                image_spec: spec.clone(),
                pull_secret_version: pull.version(),
                samples_version: samples.version(),
            },
            sources: Sources::of_spec(&spec),
            internal_hostname: dependencies.internal_hostname.clone(),
            status_external,
            dependencies,
            nodes,
            pull_secret: self.shown(&pull, PULL_SECRET).await,
            samples: self.shown(&samples, SAMPLES_SECRET).await,
            image_denied,
            secret_denied,
        })
    }

    /// The submission's rules, with what they need read from the cluster now.
    async fn problems(
        &self,
        submission: &RegistriesSubmission,
    ) -> Result<Vec<Violation>, ConsoleError> {
        let (dependencies, nodes, hosts) = match &submission.change {
            RegistriesChange::Sources { .. } => {
                let image = self.image().await?;
                let (dependencies, nodes) = tokio::join!(self.dependencies(&image), self.nodes());
                (dependencies, nodes, Vec::new())
            }
            _ => (
                Dependencies::default(),
                NodeCount::Known(0),
                self.secret(PULL_SECRET_NAMESPACE, PULL_SECRET)
                    .await
                    .hosts(),
            ),
        };
        Ok(validate(
            submission,
            &RuleFacts {
                dependencies: &dependencies,
                nodes: &nodes,
                credential_hosts: &hosts,
            },
        ))
    }

    /// The draft as a pipeline request (`test`: the preview also tries the typed
    /// credentials against the registry).
    async fn request(
        &self,
        draft: &str,
        reason: String,
        test: bool,
    ) -> Result<ChangeRequest, ConsoleError> {
        let draft: FormDraft = decode_draft(draft)?;
        let submission =
            read_submission(&draft).map_err(|v| change_error(PipelineError::Invalid(v)))?;
        let (errors, mut warnings): (Vec<_>, Vec<_>) = self
            .problems(&submission)
            .await?
            .into_iter()
            .partition(|v| v.severity == Severity::Error);
        if !errors.is_empty() {
            return Err(change_error(PipelineError::Invalid(errors)));
        }
        let seen = &submission.seen;
        let steps = match &submission.change {
            RegistriesChange::Sources { sources, .. } => {
                let image = self.image().await?;
                let mut desired = image.clone();
                desired["spec"] =
                    sources.apply_to(&image.get("spec").cloned().unwrap_or_else(|| json!({})));
                vec![Step::patch(
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
                )]
            }
            RegistriesChange::SetCredential {
                registry,
                username,
                secret,
                test: wanted,
                ..
            } => {
                let current = self.secret(PULL_SECRET_NAMESPACE, PULL_SECRET).await;
                let mut config = writable(&current)?;
                let others = current.hosts().iter().filter(|h| *h != registry).count();
                config.set_basic(registry, username, &secret.0);
                warnings.push(
                    Violation::warning(FIELD_REGISTRY, "registries.credential.sets")
                        .with("registry", registry)
                        .with("count", others),
                );
                if test && *wanted {
                    warnings.push(self.login_warning(registry, username, &secret.0).await);
                }
                vec![secret_step(
                    PULL_SECRET_NAMESPACE,
                    PULL_SECRET,
                    &current,
                    seen.pull_secret_version.as_deref(),
                    &config,
                    pull_secret_commands(registry),
                )]
            }
            RegistriesChange::RemoveCredential { registry } => {
                let current = self.secret(PULL_SECRET_NAMESPACE, PULL_SECRET).await;
                let mut config = writable(&current)?;
                config.remove(registry);
                warnings.push(
                    Violation::warning(FIELD_REGISTRY, "registries.credential.sets_removed")
                        .with("registry", registry),
                );
                vec![secret_step(
                    PULL_SECRET_NAMESPACE,
                    PULL_SECRET,
                    &current,
                    seen.pull_secret_version.as_deref(),
                    &config,
                    pull_secret_commands(registry),
                )]
            }
            RegistriesChange::CopySamples => {
                let source = self.secret(PULL_SECRET_NAMESPACE, PULL_SECRET).await;
                let entry = match &source {
                    SecretRead::Config { config, .. } => {
                        config.entry(SAMPLES_SOURCE).map(str::to_string)
                    }
                    _ => None,
                };
                let Some(entry) = entry else {
                    return Err(change_error(PipelineError::Invalid(vec![
                        Violation::error("form", "registries.samples.no_source")
                            .with("registry", SAMPLES_SOURCE),
                    ])));
                };
                let current = self.secret(SAMPLES_NAMESPACE, SAMPLES_SECRET).await;
                let mut config = writable(&current)?;
                let raw = serde_json::value::RawValue::from_string(entry)
                    .map_err(|e| ConsoleError::Unavailable(e.to_string()))?;
                config.set_raw(SAMPLES_SOURCE, raw);
                warnings.push(
                    Violation::warning("form", "registries.credential.sets_copied")
                        .with("registry", SAMPLES_SOURCE),
                );
                vec![secret_step(
                    SAMPLES_NAMESPACE,
                    SAMPLES_SECRET,
                    &current,
                    seen.samples_version.as_deref(),
                    &config,
                    samples_commands(),
                )]
            }
        };
        Ok(ChangeRequest {
            reason,
            steps,
            confirmations: Default::default(),
            follow_up: FollowUpPlan::None,
            warnings,
        })
    }

    /// "Test these credentials": the registry's answer as a review message.
    async fn login_warning(&self, registry: &str, username: &str, secret: &str) -> Violation {
        let host = registry.split('/').next().unwrap_or(registry);
        let key = ca_trust::registry_key(
            host.split(':').next().unwrap_or(host),
            host.split_once(':').map(|(_, p)| p).unwrap_or_default(),
        );
        let image = self.image().await.ok();
        let mut roots = Vec::new();
        if let Some(name) = image
            .as_ref()
            .and_then(|i| i.pointer("/spec/additionalTrustedCA/name"))
            .and_then(Value::as_str)
            && let Ok(Some(map)) =
                get_object(&self.client, CONFIG_MAP, Some(CONFIG_NAMESPACE), name).await
            && let Some(pem) = map.pointer(&format!("/data/{key}")).and_then(Value::as_str)
        {
            roots.push(pem.as_bytes().to_vec());
        }
        let insecure = image
            .as_ref()
            .map(|i| Sources::of_spec(i.get("spec").unwrap_or(&Value::Null)).insecure)
            .unwrap_or_default()
            .iter()
            .any(|s| app::domain::registries::sources::scope_covers(s, host));
        let outcome = test_login(registry, username, secret, &roots, insecure).await;
        let (message, detail) = outcome.message();
        // The registry's own words may quote what was sent: never the typed secret.
        let detail = detail.replace(secret, "[redacted]");
        let outcome_name = match outcome {
            LoginOutcome::Accepted => "accepted",
            LoginOutcome::Open => "open",
            LoginOutcome::Refused(_) => "refused",
            LoginOutcome::Unreachable(_) => "unreachable",
            LoginOutcome::Tls(_) => "tls",
            LoginOutcome::Unexpected(_) => "unexpected",
        };
        Violation::warning(app::domain::registries::FIELD_TEST, message)
            .with("registry", registry)
            .with("detail", detail)
            .with("outcome", outcome_name)
    }
}

/// The document a credential change starts from: a Secret that is not a docker config is
/// never overwritten by a change that could not read it.
fn writable(read: &SecretRead) -> Result<DockerConfig, ConsoleError> {
    match read {
        SecretRead::Missing => Ok(DockerConfig::empty()),
        SecretRead::Config { config, .. } => Ok(config.clone()),
        SecretRead::Unreadable { why, .. } => Err(change_error(PipelineError::Invalid(vec![
            Violation::error("form", "registries.pull_secret.unreadable").with("reason", why),
        ]))),
        SecretRead::Unavailable(why) => Err(ConsoleError::Unavailable(why.clone())),
    }
}

/// The step that writes `config` into the Secret `namespace/name`, with the version the
/// user saw as precondition (a newer version is the pipeline's conflict).
fn secret_step(
    namespace: &str,
    name: &str,
    current: &SecretRead,
    seen_version: Option<&str>,
    config: &DockerConfig,
    command: String,
) -> Step {
    let encoded = base64::engine::general_purpose::STANDARD.encode(config.to_text());
    match current {
        SecretRead::Config { object, version, .. } => {
            let mut desired = object.clone();
            desired["data"][DOCKER_CONFIG_KEY] = json!(encoded);
            let (base, redacted) = if seen_version == Some(version.as_str()) {
                (object.clone(), false)
            } else {
                (
                    json!({ "metadata": { "name": name, "namespace": namespace, "resourceVersion": seen_version.unwrap_or_default() } }),
                    true,
                )
            };
            Step::patch(SECRET, Some(namespace), name, base, redacted, desired)
        }
        _ => Step::create(
            SECRET,
            Some(namespace),
            json!({
                "metadata": { "name": name, "namespace": namespace },
                "type": SECRET_TYPE,
                "data": { DOCKER_CONFIG_KEY: encoded },
            }),
        ),
    }
    .with_command(command)
}

/// The guide's way to change one registry's pull credentials (placeholders, never values).
fn pull_secret_commands(registry: &str) -> String {
    let quoted = app::domain::shell::word(&format!("--registry={registry}"));
    [
        format!(
            "oc get secret/pull-secret -n {PULL_SECRET_NAMESPACE} --template='{{{{index .data \".dockerconfigjson\" | base64decode}}}}' > pull-secret.json"
        ),
        format!("oc registry login {quoted} --auth-basic='<user>:<password>' --to=pull-secret.json"),
        format!(
            "oc set data secret/pull-secret -n {PULL_SECRET_NAMESPACE} --from-file=.dockerconfigjson=pull-secret.json"
        ),
    ]
    .join("\n")
}

/// Guide 4.4: the Samples Operator's secret from a docker config holding the
/// registry.redhat.io entry.
fn samples_commands() -> String {
    format!(
        "oc create secret generic {SAMPLES_SECRET} --from-file=.dockerconfigjson=<path/to/config.json> --type={SECRET_TYPE} -n {SAMPLES_NAMESPACE}"
    )
}

impl RegistriesAccess for RegistriesService {
    fn load(&self) -> BoxFuture<'_, Result<RegistriesView, ConsoleError>> {
        Box::pin(self.load_view())
    }
}

impl ChangeService for RegistriesService {
    fn check(&self, draft: String) -> BoxFuture<'_, Result<Vec<Violation>, ConsoleError>> {
        Box::pin(async move {
            let draft: FormDraft = decode_draft(&draft)?;
            match read_submission(&draft) {
                Ok(submission) => self.problems(&submission).await,
                Err(v) => Ok(v),
            }
        })
    }

    fn preview(&self, draft: String) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(&draft, String::new(), true).await?;
            self.pipeline
                .preview(self.client.clone(), &request)
                .await
                .map_err(change_error)
        })
    }

    fn apply(&self, draft: String, reason: String) -> BoxFuture<'_, Result<Applied, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(&draft, reason, false).await?;
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
    fn image_hosts_are_registries_only() {
        assert_eq!(
            image_host("registry.redhat.io/ubi8/ubi:latest").as_deref(),
            Some("registry.redhat.io")
        );
        assert_eq!(image_host("localhost/x").as_deref(), Some("localhost"));
        assert_eq!(image_host("library/nginx"), None);
        assert_eq!(image_host("nginx"), None);
    }

    #[test]
    fn the_commands_are_the_guides_with_placeholders() {
        let commands = pull_secret_commands("registry.example.com:5000");
        assert!(commands.contains("oc registry login --registry=registry.example.com:5000 --auth-basic='<user>:<password>' --to=pull-secret.json"), "{commands}");
        assert!(commands.starts_with("oc get secret/pull-secret -n openshift-config --template='{{index .data \".dockerconfigjson\" | base64decode}}' > pull-secret.json"), "{commands}");
    }

    #[test]
    fn a_secret_that_is_not_a_docker_config_is_unreadable_with_the_reason() {
        let object = json!({ "metadata": { "resourceVersion": "7" }, "data": { ".dockerconfigjson": base64::engine::general_purpose::STANDARD.encode("not json") } });
        match read_secret(Some(object)) {
            SecretRead::Unreadable { version, why } => {
                assert_eq!(version, "7");
                assert!(why.contains("line 1"), "{why}");
            }
            _ => panic!("not unreadable"),
        }
        assert!(matches!(
            writable(&SecretRead::Unreadable {
                version: "7".into(),
                why: "x".into()
            }),
            Err(ConsoleError::Change(_))
        ));
    }
}
