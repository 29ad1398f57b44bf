//! What the change pipeline (SPEC §5) tells the user, shared by the server (which runs it)
//! and the pages (which show it). Secret values are already redacted in everything here.

use crate::config_rules::Violation;
use crate::diff::FieldChange;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// What one object's change looks like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepPreview {
    pub object: ObjectRef,
    pub diff: Vec<FieldChange>,
    pub patch: Value,
    pub oc_command: String,
}

/// A change that passed every check up to and including the API server's dry run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangePreview {
    pub steps: Vec<StepPreview>,
    /// Allowed, but the user must see them (e.g. emptyDir is not for production).
    pub warnings: Vec<Violation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    pub change_id: String,
    pub steps: Vec<StepPreview>,
    pub warnings: Vec<Violation>,
    pub objects: Vec<ObjectRef>,
    /// `metadata.generation` of the registry Config after the change, when the change
    /// touched it: the follow-up waits for the operator to observe it.
    pub config_generation: Option<i64>,
}

/// How the registry ended up after a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowUp {
    Healthy,
    Degraded(String),
    TimedOut,
}

impl FollowUp {
    pub fn outcome(&self) -> &'static str {
        match self {
            FollowUp::Healthy => "healthy",
            FollowUp::Degraded(_) => "degraded",
            FollowUp::TimedOut => "timeout",
        }
    }
}

/// Why a change was not (or not completely) applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ChangeError {
    #[error("a reason of at least {min} characters is required")]
    ReasonTooShort { min: usize },
    #[error("the change breaks {} rule(s)", .0.len())]
    Invalid(Vec<Violation>),
    #[error("nothing to change")]
    NoChange,
    /// The object changed since the user loaded it: what changed underneath.
    #[error("{object} changed since you loaded it")]
    Conflict {
        object: ObjectRef,
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
            ChangeError::ReasonTooShort { .. } | ChangeError::NoChange => 400,
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
