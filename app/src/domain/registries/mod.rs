//! The Registries page (guide chapter 4): where the cluster may pull and import images
//! from (`images.config.openshift.io/cluster`), and the credentials it pulls with (the
//! pull secret, and the Samples Operator's copy in `openshift`).

pub mod pull_secret;
pub mod sources;

use crate::domain::form_draft::FormDraft;
use crate::domain::violation::Violation;
use pull_secret::EntryFacts;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sources::{Dependencies, Sources};

pub const FORM_SOURCES: &str = "registry-sources";
pub const FORM_SET_CREDENTIAL: &str = "set-credential";
pub const FORM_REMOVE_CREDENTIAL: &str = "remove-credential";
pub const FORM_COPY_SAMPLES: &str = "copy-samples-credential";

pub const FIELD_BASE: &str = "base";
pub const FIELD_REGISTRY: &str = "registry";
pub const FIELD_KIND: &str = "kind";
pub const FIELD_USERNAME: &str = "username";
pub const FIELD_SECRET: &str = "secret";
/// "Test these credentials" before saving: the review then says what the registry answered.
pub const FIELD_TEST: &str = "test";

pub const PULL_SECRET_NAMESPACE: &str = "openshift-config";
pub const PULL_SECRET: &str = "pull-secret";
/// The Samples Operator's secret (guide 4.4), in the namespace of its image streams.
pub const SAMPLES_SECRET: &str = "samples-registry-credentials";
pub const SAMPLES_NAMESPACE: &str = "openshift";

/// The objects as the page saw them: the preconditions of its changes. Never a secret
/// value: the pull secret is known by its version only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeenRegistries {
    pub image_version: String,
    pub image_spec: Value,
    /// `None`: the pull secret did not exist (or could not be read).
    pub pull_secret_version: Option<String>,
    pub samples_version: Option<String>,
}

/// One registry with credentials in a pull secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialEntry {
    pub registry: String,
    pub facts: EntryFacts,
    /// Keyed fingerprint of the entry (whether it changed, never what it is).
    pub fingerprint: String,
    /// The newest console change that set it: who, when, the change.
    pub set_by: Option<SetBy>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetBy {
    pub actor: String,
    pub at: String,
    pub change_id: String,
}

/// A pull secret as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PullSecretState {
    Missing,
    /// The user may not read it, or the API server did not answer: why.
    Unavailable(String),
    /// It is not a valid `.dockerconfigjson`: the parser's reason. No change touches it.
    Unreadable(String),
    Entries(Vec<CredentialEntry>),
}

/// What the Registries page shows, read as the signed-in user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegistriesView {
    pub seen: SeenRegistries,
    pub sources: Sources,
    pub internal_hostname: Option<String>,
    pub status_external: Vec<String>,
    pub dependencies: Dependencies,
    /// How many nodes roll out a registrySources change, or why that is unknown.
    pub nodes: NodeCount,
    pub pull_secret: PullSecretState,
    pub samples: PullSecretState,
    /// The API server would refuse changing the image config / the pull secret: why.
    pub image_denied: Option<String>,
    pub secret_denied: Option<String>,
}

/// How many nodes there are, as the user may know it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeCount {
    Known(usize),
    /// The user may not list nodes.
    Forbidden,
    /// The API server did not answer: why.
    Failed(String),
}

/// How a credential is given (guide 4.4): a registry service account's token (the only way
/// supported for production clusters), or a web username and password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    Token,
    Password,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistriesChange {
    Sources {
        sources: Sources,
        confirm_risks: bool,
        confirm_rollout: bool,
    },
    SetCredential {
        registry: String,
        kind: CredentialKind,
        username: String,
        /// As typed: a password may begin or end with a space.
        secret: TypedSecret,
        test: bool,
    },
    RemoveCredential {
        registry: String,
    },
    CopySamples,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RegistriesSubmission {
    pub seen: SeenRegistries,
    pub change: RegistriesChange,
    /// Rules broken while reading the form (rows of the lists).
    pub read_problems: Vec<Violation>,
}

/// A password or token as typed: `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TypedSecret(pub String);

impl std::fmt::Debug for TypedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TypedSecret([redacted])")
    }
}

/// Every catalogue key this module can emit.
pub const MESSAGE_KEYS: [&str; 41] = [
    "registries.entry_too_long",
    "registries.entry_scheme",
    "registries.entry_digest",
    "registries.entry_wildcard",
    "registries.entry_invalid",
    "registries.entry_tag",
    "registries.entry_path",
    "registries.entry_port",
    "registries.entry_duplicate",
    "registries.entry_host_only",
    "registries.entry_no_port",
    "registries.too_many",
    "registries.allowed_and_blocked",
    "registries.import_flag",
    "registries.risk.blocks_cluster",
    "registries.risk.allow_misses",
    "registries.risk.insecure",
    "registries.risk.import_insecure",
    "registries.risk.samples_stop",
    "registries.rollout",
    "registries.rollout_unknown",
    "registries.confirm_risks",
    "registries.samples.no_source",
    "registries.nodes.forbidden",
    "registries.credential.registry_required",
    "registries.credential.username_required",
    "registries.credential.username_colon",
    "registries.credential.secret_required",
    "registries.credential.replaces",
    "registries.credential.unknown",
    "registries.credential.web_password",
    // Emitted by the server's service: what a credential change writes, and the test.
    "registries.credential.sets",
    "registries.credential.sets_removed",
    "registries.credential.sets_copied",
    "registries.pull_secret.unreadable",
    "registries.test.accepted",
    "registries.test.open",
    "registries.test.refused",
    "registries.test.unreachable",
    "registries.test.tls",
    "registries.test.unexpected",
];

pub fn read_submission(draft: &FormDraft) -> Result<RegistriesSubmission, Vec<Violation>> {
    let seen: SeenRegistries = serde_json::from_str(&draft.text(FIELD_BASE))
        .map_err(|_| vec![Violation::error(FIELD_BASE, "form.base")])?;
    let mut read_problems = Vec::new();
    let change = match draft.form.as_str() {
        FORM_SOURCES => {
            let raw = |name: &str| draft.fields.get(name).cloned().unwrap_or_default();
            let (sources, problems) = sources::read_sources(
                &raw(sources::FIELD_ALLOWED),
                &raw(sources::FIELD_BLOCKED),
                &raw(sources::FIELD_INSECURE),
                &raw(sources::FIELD_SEARCH),
                &raw(sources::FIELD_IMPORT),
                &raw(sources::FIELD_EXTERNAL),
            );
            read_problems = problems;
            RegistriesChange::Sources {
                sources,
                confirm_risks: draft.flag(sources::FIELD_CONFIRM_RISKS),
                confirm_rollout: draft.flag(sources::FIELD_CONFIRM_ROLLOUT),
            }
        }
        FORM_SET_CREDENTIAL => RegistriesChange::SetCredential {
            registry: draft.text(FIELD_REGISTRY),
            kind: if draft.text(FIELD_KIND) == "password" {
                CredentialKind::Password
            } else {
                CredentialKind::Token
            },
            username: draft.text(FIELD_USERNAME),
            secret: TypedSecret(draft.fields.get(FIELD_SECRET).cloned().unwrap_or_default()),
            test: draft.flag(FIELD_TEST),
        },
        FORM_REMOVE_CREDENTIAL => RegistriesChange::RemoveCredential {
            registry: draft.text(FIELD_REGISTRY),
        },
        FORM_COPY_SAMPLES => RegistriesChange::CopySamples,
        other => {
            return Err(vec![
                Violation::error("form", "form.unknown_form").with("value", other),
            ]);
        }
    };
    Ok(RegistriesSubmission {
        seen,
        change,
        read_problems,
    })
}

/// What the page knows at check time that the rules need.
pub struct RuleFacts<'a> {
    pub dependencies: &'a Dependencies,
    /// Nodes that roll out a registrySources change (or why unknown).
    pub nodes: &'a NodeCount,
    /// The registries the pull secret has credentials for, as it is now.
    pub credential_hosts: &'a [String],
}

/// The rules of a submission: errors refuse it; warnings the review shows. A risk or the
/// node rollout not yet confirmed is an error naming its confirmation.
pub fn validate(submission: &RegistriesSubmission, facts: &RuleFacts) -> Vec<Violation> {
    // Lists that do not read come first: their risks are judged once they do.
    if !submission.read_problems.is_empty() {
        return submission.read_problems.clone();
    }
    let mut out = Vec::new();
    match &submission.change {
        RegistriesChange::Sources {
            sources,
            confirm_risks,
            confirm_rollout,
        } => {
            let before = Sources::of_spec(&submission.seen.image_spec);
            let risks = sources::risks(&before, sources, facts.dependencies);
            if !risks.is_empty() && !confirm_risks {
                out.extend(risks.iter().cloned().map(as_error));
                out.push(Violation::error(
                    sources::FIELD_CONFIRM_RISKS,
                    "registries.confirm_risks",
                ));
            } else {
                out.extend(risks);
            }
            if sources.node_config_differs(&before) {
                let unknown = Violation::warning(
                    sources::FIELD_CONFIRM_ROLLOUT,
                    "registries.rollout_unknown",
                );
                let rollout = match facts.nodes {
                    NodeCount::Known(count) => {
                        Violation::warning(sources::FIELD_CONFIRM_ROLLOUT, "registries.rollout")
                            .with("count", count)
                    }
                    NodeCount::Forbidden => {
                        unknown.with("reason_key", "registries.nodes.forbidden")
                    }
                    NodeCount::Failed(why) => unknown.with("reason", why),
                };
                out.push(if *confirm_rollout {
                    rollout
                } else {
                    as_error(rollout)
                });
            }
        }
        RegistriesChange::SetCredential {
            registry,
            kind,
            username,
            secret,
            ..
        } => {
            if registry.is_empty() {
                out.push(Violation::error(
                    FIELD_REGISTRY,
                    "registries.credential.registry_required",
                ));
            } else if let Some((key, part)) = sources::scope_problem(registry, false) {
                out.push(
                    Violation::error(FIELD_REGISTRY, key)
                        .with("value", registry)
                        .with("part", part),
                );
            }
            if username.is_empty() {
                out.push(Violation::error(
                    FIELD_USERNAME,
                    "registries.credential.username_required",
                ));
            } else if username.contains(':') {
                out.push(Violation::error(
                    FIELD_USERNAME,
                    "registries.credential.username_colon",
                ));
            }
            if secret.0.is_empty() {
                let what = match kind {
                    CredentialKind::Token => "registries.kind.token",
                    CredentialKind::Password => "registries.kind.password",
                };
                out.push(
                    Violation::error(FIELD_SECRET, "registries.credential.secret_required")
                        .with("what_key", what),
                );
            }
            if facts.credential_hosts.contains(registry) {
                out.push(
                    Violation::warning(FIELD_REGISTRY, "registries.credential.replaces")
                        .with("registry", registry),
                );
            }
            if *kind == CredentialKind::Password && registry == sources::SAMPLES_SOURCE {
                out.push(
                    Violation::warning(FIELD_KIND, "registries.credential.web_password")
                        .with("registry", registry),
                );
            }
        }
        RegistriesChange::RemoveCredential { registry } => {
            if !facts.credential_hosts.contains(registry) {
                out.push(
                    Violation::error(FIELD_REGISTRY, "registries.credential.unknown")
                        .with("registry", registry),
                );
            }
        }
        RegistriesChange::CopySamples => {
            if !facts
                .credential_hosts
                .iter()
                .any(|h| h == sources::SAMPLES_SOURCE)
            {
                out.push(
                    Violation::error("form", "registries.samples.no_source")
                        .with("registry", sources::SAMPLES_SOURCE),
                );
            }
        }
    }
    out
}

fn as_error(mut v: Violation) -> Violation {
    v.severity = crate::domain::violation::Severity::Error;
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::violation::Severity;

    fn draft(form: &str, fields: &[(&str, &str)]) -> FormDraft {
        let mut d = FormDraft::new(form, fields);
        d.fields.insert(
            FIELD_BASE.into(),
            r#"{"image_version":"1","image_spec":{},"pull_secret_version":"5","samples_version":null}"#.into(),
        );
        d
    }

    fn check(d: &FormDraft, hosts: &[&str]) -> Vec<(String, String, Severity)> {
        let deps = Dependencies {
            internal_hostname: Some("image-registry.openshift-image-registry.svc:5000".into()),
            sample_hosts: Vec::new(),
        };
        let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        let facts = RuleFacts {
            dependencies: &deps,
            nodes: &NodeCount::Known(3),
            credential_hosts: &hosts,
        };
        validate(&read_submission(d).unwrap(), &facts)
            .into_iter()
            .map(|v| (v.field, v.key, v.severity))
            .collect()
    }

    #[test]
    fn an_allow_list_needs_its_risks_and_the_rollout_confirmed() {
        let list = "quay.io\nimage-registry.openshift-image-registry.svc:5000";
        let unconfirmed = check(&draft(FORM_SOURCES, &[(sources::FIELD_ALLOWED, list)]), &[]);
        assert_eq!(
            unconfirmed,
            vec![
                (
                    sources::FIELD_ALLOWED.into(),
                    "registries.risk.allow_misses".into(),
                    Severity::Error
                ),
                (
                    sources::FIELD_CONFIRM_RISKS.into(),
                    "registries.confirm_risks".into(),
                    Severity::Error
                ),
                (
                    sources::FIELD_CONFIRM_ROLLOUT.into(),
                    "registries.rollout".into(),
                    Severity::Error
                ),
            ]
        );
        let confirmed = check(
            &draft(
                FORM_SOURCES,
                &[
                    (sources::FIELD_ALLOWED, list),
                    (sources::FIELD_CONFIRM_RISKS, "on"),
                    (sources::FIELD_CONFIRM_ROLLOUT, "on"),
                ],
            ),
            &[],
        );
        assert!(
            confirmed.iter().all(|v| v.2 == Severity::Warning),
            "{confirmed:?}"
        );
        // Only the import list changes: nothing rolls out to the nodes.
        let import = check(
            &draft(
                FORM_SOURCES,
                &[(sources::FIELD_IMPORT, "registry.redhat.io\nquay.io")],
            ),
            &[],
        );
        assert!(import.is_empty(), "{import:?}");
    }

    #[test]
    fn credentials_need_a_registry_a_username_and_a_secret() {
        let empty = check(
            &draft(
                FORM_SET_CREDENTIAL,
                &[(FIELD_REGISTRY, "https://r.example.com")],
            ),
            &[],
        );
        assert_eq!(
            empty.iter().map(|v| v.1.as_str()).collect::<Vec<_>>(),
            vec![
                "registries.entry_scheme",
                "registries.credential.username_required",
                "registries.credential.secret_required"
            ]
        );
        let replace = check(
            &draft(
                FORM_SET_CREDENTIAL,
                &[
                    (FIELD_REGISTRY, "registry.redhat.io"),
                    (FIELD_KIND, "password"),
                    (FIELD_USERNAME, "u"),
                    (FIELD_SECRET, " p "),
                ],
            ),
            &["registry.redhat.io"],
        );
        assert_eq!(
            replace
                .iter()
                .map(|v| (v.1.as_str(), v.2))
                .collect::<Vec<_>>(),
            vec![
                ("registries.credential.replaces", Severity::Warning),
                ("registries.credential.web_password", Severity::Warning)
            ]
        );
        let submission =
            read_submission(&draft(FORM_SET_CREDENTIAL, &[(FIELD_SECRET, " p ")])).unwrap();
        assert!(
            matches!(submission.change, RegistriesChange::SetCredential { ref secret, .. } if secret.0 == " p ")
        );
        assert_eq!(
            check(
                &draft(FORM_REMOVE_CREDENTIAL, &[(FIELD_REGISTRY, "quay.io")]),
                &[]
            )
            .len(),
            1
        );
    }
}
