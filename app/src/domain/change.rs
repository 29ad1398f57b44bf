//! What the change pipeline (SPEC §5) tells the user, shared by the server (which runs it)
//! and the pages (which show it). Secret values are already redacted in everything here.

use crate::domain::diff::FieldChange;
use crate::domain::violation::Violation;
use serde::{Deserialize, Serialize};

/// An object a change touches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    pub group: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ObjectRef {
    /// `configs.imageregistry.operator.openshift.io/cluster`-like, as people read it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        };
        match &self.namespace {
            Some(ns) => write!(f, "{kind} {ns}/{}", self.name),
            None => write!(f, "{kind} {}", self.name),
        }
    }
}

/// What a step does to its object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// The object must not exist yet (if it does, that is a conflict).
    Create,
    /// The object as the user loaded it, changed (a newer version is a conflict).
    Patch,
    /// The object as the user saw it, removed (a newer version is a conflict).
    Delete,
}

/// What one object's change looks like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepPreview {
    pub object: ObjectRef,
    pub operation: Operation,
    pub diff: Vec<FieldChange>,
    /// The equivalent `oc` command, secret values replaced by placeholders.
    pub oc_command: String,
    /// The placeholders in [`Self::oc_command`] that stand for secret values
    /// (`<httpSecret>`): the user fills them in; the console never shows the values.
    #[serde(default)]
    pub placeholders: Vec<String>,
}

/// A change that passed every check up to and including the API server's dry run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangePreview {
    pub steps: Vec<StepPreview>,
    /// Allowed, but the user must see them (e.g. emptyDir is not for production).
    pub warnings: Vec<Violation>,
    /// What the reason box starts with (a restore names the version it restores); the
    /// user may edit it.
    #[serde(default)]
    pub suggested_reason: Option<String>,
}

/// The console's areas that change the cluster; a draft is decoded by its area's service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeArea {
    #[default]
    RegistryConfig,
    /// The storage wizard: credentials, a new claim and the Config's storage.
    Storage,
    /// The exposure wizard: the default route, custom routes and their TLS Secrets.
    Exposure,
    /// CA trust: the ConfigMap of trusted registry CAs and the image config's reference.
    CaTrust,
    /// Registries: the image config's registry sources, the pull secret, the samples'
    /// copy of the registry.redhat.io credentials.
    Registries,
    /// Access: the registry roles' RoleBindings and ClusterRoleBindings.
    Access,
    /// The image pruner's settings.
    Pruner,
    /// An audited version of an object, set back.
    Restore,
}

impl ChangeArea {
    /// Where an admin goes after a change here, in the guide's order (storage, then the
    /// route, then who may push; trusted CAs, then the registries they serve): the page
    /// and the link's text.
    pub fn next_step(self) -> (crate::domain::page::Page, &'static str) {
        use crate::domain::page::Page;
        match self {
            ChangeArea::Storage => (Page::Exposure, "next.expose"),
            ChangeArea::Exposure => (Page::Access, "next.grant"),
            ChangeArea::CaTrust => (Page::Registries, "next.registries"),
            ChangeArea::Access => (Page::Exposure, "next.log_in"),
            ChangeArea::RegistryConfig
            | ChangeArea::Registries
            | ChangeArea::Pruner
            | ChangeArea::Restore => (Page::Overview, "next.health"),
        }
    }
}

/// What the server watches after a change is applied, until it is healthy or not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowUpKind {
    /// Nothing to wait for (e.g. a role binding).
    #[default]
    None,
    /// The operator observes this generation of the registry Config and reports the
    /// registry Available, or Degraded.
    RegistryRollout { generation: i64 },
    /// A PersistentVolumeClaim becomes Bound.
    ClaimBound { namespace: String, name: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    pub change_id: String,
    pub steps: Vec<StepPreview>,
    pub warnings: Vec<Violation>,
    pub objects: Vec<ObjectRef>,
    pub follow_up: FollowUpKind,
}

/// How a change stands after it was applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowUpState {
    #[default]
    Pending,
    Healthy,
    Degraded,
    TimedOut,
    /// A newer change of the same object (through the console or outside it) came before
    /// this one settled: what follows is that change's outcome, not this one's.
    Superseded,
}

impl FollowUpState {
    /// The outcome recorded in the audit trail.
    pub fn outcome(self) -> &'static str {
        match self {
            FollowUpState::Pending => "pending",
            FollowUpState::Healthy => "healthy",
            FollowUpState::Degraded => "degraded",
            FollowUpState::TimedOut => "timeout",
            FollowUpState::Superseded => "superseded",
        }
    }

    pub fn is_final(self) -> bool {
        self != FollowUpState::Pending
    }
}

/// What the user watches after applying: the state, the operator's message, and the
/// conditions or the claim's phase it is judged from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpView {
    pub change_id: String,
    pub kind: FollowUpKind,
    pub state: FollowUpState,
    /// The Degraded or failure message, empty otherwise.
    pub message: String,
    /// Registry rollout: the generation the operator has observed so far.
    pub observed_generation: Option<i64>,
    /// The claim being followed (a claim follow-up, or the claim a registry rollout
    /// waits for) and its phase (`Pending`, `Bound`, `Lost`).
    pub claim: Option<String>,
    pub claim_phase: Option<String>,
    /// Why the claim is not bound yet: its latest warning event.
    pub claim_event: Option<String>,
    pub conditions: Vec<crate::domain::conditions::ConditionView>,
    /// [`FollowUpState::Superseded`]: the newer change (its audit trail id).
    pub superseded_by: Option<String>,
}

/// Why a change conflicts with the cluster as it is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConflictKind {
    /// The object changed since the user loaded it.
    Changed,
    /// The change creates an object that already exists.
    Exists,
    /// The object was deleted since the user loaded it.
    Gone,
}

/// Why a change was not (or not completely) applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ChangeError {
    #[error("a reason of at least {min} characters is required")]
    ReasonTooShort { min: usize },
    #[error("a reason may have at most {max} characters")]
    ReasonTooLong { max: usize },
    #[error("the change breaks {} rule(s)", .0.len())]
    Invalid(Vec<Violation>),
    #[error("nothing to change")]
    NoChange,
    /// The object changed since the user loaded it (or exists, or is gone): what changed
    /// underneath.
    #[error("{object} changed since you loaded it")]
    Conflict {
        object: ObjectRef,
        kind: ConflictKind,
        underneath: Vec<FieldChange>,
    },
    #[error("the API server's dry run rejected {object}: {message}")]
    DryRunRejected { object: ObjectRef, message: String },
    #[error("the audit trail cannot be written, so nothing was applied: {0}")]
    AuditUnavailable(String),
    /// Applying stopped part-way: exactly what was and was not applied.
    #[error(
        "applying {failed} failed ({message}); applied before it: {applied:?}; not applied: {not_applied:?}"
    )]
    ApplyFailed {
        applied: Vec<ObjectRef>,
        failed: ObjectRef,
        not_applied: Vec<ObjectRef>,
        message: String,
    },
    #[error("Kubernetes API: {0}")]
    Kubernetes(String),
}

impl ChangeError {
    /// HTTP status of a server function refusing the change this way.
    pub fn status(&self) -> u16 {
        match self {
            ChangeError::ReasonTooShort { .. }
            | ChangeError::ReasonTooLong { .. }
            | ChangeError::NoChange => 400,
            ChangeError::Invalid(_) | ChangeError::DryRunRejected { .. } => 422,
            ChangeError::Conflict { .. } => 409,
            ChangeError::AuditUnavailable(_) => 503,
            ChangeError::ApplyFailed { .. } | ChangeError::Kubernetes(_) => 502,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_offers_a_next_step_elsewhere_in_both_languages() {
        use crate::domain::page::Page;
        let own = |area: ChangeArea| match area {
            ChangeArea::RegistryConfig => Some(Page::Configuration),
            ChangeArea::Storage => Some(Page::Storage),
            ChangeArea::Exposure => Some(Page::Exposure),
            ChangeArea::CaTrust => Some(Page::CaTrust),
            ChangeArea::Registries => Some(Page::Registries),
            ChangeArea::Access => Some(Page::Access),
            ChangeArea::Pruner => Some(Page::Pruner),
            ChangeArea::Restore => None,
        };
        for area in [
            ChangeArea::RegistryConfig,
            ChangeArea::Storage,
            ChangeArea::Exposure,
            ChangeArea::CaTrust,
            ChangeArea::Registries,
            ChangeArea::Access,
            ChangeArea::Pruner,
            ChangeArea::Restore,
        ] {
            let (page, key) = area.next_step();
            assert_ne!(Some(page), own(area), "{area:?} leads back to itself");
            for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Ja] {
                assert!(
                    lang.catalogue_source().contains(&format!("\n{key} = ")),
                    "{key} missing in {lang:?}"
                );
            }
        }
        assert_eq!(
            ChangeArea::Storage.next_step().0,
            Page::Exposure,
            "guide: storage, then the route"
        );
    }

    #[test]
    fn objects_read_like_oc_names_them() {
        let config = ObjectRef {
            group: "imageregistry.operator.openshift.io".into(),
            kind: "Config".into(),
            namespace: None,
            name: "cluster".into(),
        };
        assert_eq!(
            config.to_string(),
            "Config.imageregistry.operator.openshift.io cluster"
        );
        let secret = ObjectRef {
            group: String::new(),
            kind: "Secret".into(),
            namespace: Some("openshift-image-registry".into()),
            name: "image-registry-private-configuration-user".into(),
        };
        assert_eq!(
            secret.to_string(),
            "Secret openshift-image-registry/image-registry-private-configuration-user"
        );
    }
}
