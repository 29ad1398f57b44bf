//! What server functions get from the server for the request they serve (server only).
//! The server implements [`ClusterAccess`] with a Kubernetes client acting as the signed-in
//! user; server functions never see the console's own credentials.

use crate::access::{AccessCheck, AccessDecision, Roles};
use crate::error::ConsoleError;
use crate::session::SessionView;
use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The cluster, as the signed-in user.
pub trait ClusterAccess: Send + Sync {
    /// Asks the API server (SelfSubjectAccessReview) whether the user may do each thing.
    fn review(
        &self,
        checks: Vec<AccessCheck>,
    ) -> BoxFuture<'_, Result<Vec<AccessDecision>, ConsoleError>>;
}

/// The audit trail, for the auditor page (the role check is the server function's).
pub trait AuditAccess: Send + Sync {
    fn list(
        &self,
        query: crate::audit_page::AuditQuery,
    ) -> BoxFuture<'_, Result<crate::audit_page::AuditPage, ConsoleError>>;
    fn verify(&self) -> BoxFuture<'_, Result<crate::audit_page::ChainCheck, ConsoleError>>;
    /// Every event of one change (empty when there is no such change).
    fn change(
        &self,
        change_id: String,
    ) -> BoxFuture<'_, Result<Vec<crate::audit_page::AuditEventView>, ConsoleError>>;
}

/// The registry's `Config` as the signed-in user: read it, and change it through the change
/// pipeline (the role check is the server function's; the API server checks again).
pub trait ConfigAccess: Send + Sync {
    fn load(&self) -> BoxFuture<'_, Result<crate::config_form::ConfigView, ConsoleError>>;
    /// Every check up to and including the API server's dry run; nothing is changed.
    fn preview(
        &self,
        submission: crate::config_form::ConfigSubmission,
    ) -> BoxFuture<'_, Result<crate::change::ChangePreview, ConsoleError>>;
    /// The whole pipeline; the follow-up then runs on the server and is recorded.
    fn apply(
        &self,
        submission: crate::config_form::ConfigSubmission,
    ) -> BoxFuture<'_, Result<crate::change::Applied, ConsoleError>>;
    fn rollout(
        &self,
        generation: i64,
    ) -> BoxFuture<'_, Result<crate::config_form::RolloutView, ConsoleError>>;
}

/// Provided by the server to every page render and server function.
#[derive(Clone)]
pub struct RequestUser {
    pub session: SessionView,
    /// The cluster as this user, or why there is none (no cluster configured, or no way to
    /// act as this user); never the console's own identity.
    pub cluster: Result<Arc<dyn ClusterAccess>, String>,
    /// The registry Config as this user (same `Err` as `cluster` when there is none).
    pub config: Result<Arc<dyn ConfigAccess>, String>,
}

/// The signed-in user if their roles pass `allowed`; otherwise the error, with the HTTP
/// status set on the response. Every server function starts with this.
pub fn require(allowed: impl Fn(Roles) -> bool, what: &str) -> Result<RequestUser, ConsoleError> {
    let result = match use_context::<RequestUser>() {
        None => Err(ConsoleError::SignInRequired),
        Some(user) if allowed(user.session.roles) => Ok(user),
        Some(_) => Err(ConsoleError::Forbidden(format!(
            "your console role does not allow {what}"
        ))),
    };
    if let Err(e) = &result {
        set_status(e);
    }
    result
}

/// Sets the response status for `error` (server functions otherwise answer 500).
pub fn set_status(error: &ConsoleError) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(error.status())
    {
        response.set_status(status);
    }
}

impl RequestUser {
    pub fn cluster(&self) -> Result<Arc<dyn ClusterAccess>, ConsoleError> {
        self.cluster.clone().map_err(|reason| {
            let e = ConsoleError::Unavailable(reason);
            set_status(&e);
            e
        })
    }

    pub fn config(&self) -> Result<Arc<dyn ConfigAccess>, ConsoleError> {
        self.config.clone().map_err(|reason| {
            let e = ConsoleError::Unavailable(reason);
            set_status(&e);
            e
        })
    }
}
