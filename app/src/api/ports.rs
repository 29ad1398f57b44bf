//! The ports the server implements for server functions (server only). Each acts as the
//! signed-in user: the server builds them from the user's Kubernetes client, and server
//! functions never see the console's own credentials.

use super::error::ConsoleError;
use crate::domain::access::{AccessCheck, AccessDecision};
use crate::domain::audit::{AuditEventView, AuditPage, AuditQuery, ChainCheck, ObjectHistory};
use crate::domain::ca_trust::CaTrustView;
use crate::domain::change::{Applied, ChangeArea, ChangePreview, FollowUpView};
use crate::domain::exposure::ExposureView;
use crate::domain::logs::{LogsQuery, LogsView};
use crate::domain::overview::OverviewView;
use crate::domain::pruner::PrunerView;
use crate::domain::registries::RegistriesView;
use crate::domain::registry_access::AccessView;
use crate::domain::registry_config::form::ConfigView;
use crate::domain::restore::VersionComparison;
use crate::domain::session::SessionView;
use crate::domain::storage::wizard::StorageView;
use crate::domain::violation::Violation;
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

/// The audit trail, for the auditor page.
pub trait AuditAccess: Send + Sync {
    fn list(&self, query: AuditQuery) -> BoxFuture<'_, Result<AuditPage, ConsoleError>>;
    fn verify(&self) -> BoxFuture<'_, Result<ChainCheck, ConsoleError>>;
    /// Every event of one change (empty when there is no such change).
    fn change(&self, change_id: String)
    -> BoxFuture<'_, Result<Vec<AuditEventView>, ConsoleError>>;
    /// The recorded versions of each object the change touched (empty without the change).
    fn object_histories(
        &self,
        change_id: String,
    ) -> BoxFuture<'_, Result<Vec<ObjectHistory>, ConsoleError>>;
    /// The recorded versions of one object (`group:kind:namespace:name`).
    fn object_versions(&self, object: String)
    -> BoxFuture<'_, Result<ObjectHistory, ConsoleError>>;
}

/// Audited versions of an object compared, and what restoring one would take, as the
/// signed-in user (the object as it is now is read with their rights).
pub trait VersionAccess: Send + Sync {
    /// The version of object `object` (its index in the change's objects) that change
    /// `version` recorded, against change `with`'s version of it, or against now when
    /// `with` is empty.
    fn compare(
        &self,
        version: String,
        object: usize,
        with: String,
    ) -> BoxFuture<'_, Result<VersionComparison, ConsoleError>>;
}

/// The registry's `Config` as the signed-in user, for the Configuration page.
pub trait ConfigAccess: Send + Sync {
    fn load(&self) -> BoxFuture<'_, Result<ConfigView, ConsoleError>>;
}

/// The registry's storage as the signed-in user, for the storage wizard.
pub trait StorageAccess: Send + Sync {
    fn load(&self) -> BoxFuture<'_, Result<StorageView, ConsoleError>>;
}

/// The registry's routes and their certificates as the signed-in user, for the exposure
/// wizard.
pub trait ExposureAccess: Send + Sync {
    fn load(&self) -> BoxFuture<'_, Result<ExposureView, ConsoleError>>;
}

/// The trusted registry CAs as the signed-in user, for the CA-trust page.
pub trait CaTrustAccess: Send + Sync {
    fn load(&self) -> BoxFuture<'_, Result<CaTrustView, ConsoleError>>;
}

/// Registry sources and pull credentials as the signed-in user, for the Registries page.
pub trait RegistriesAccess: Send + Sync {
    fn load(&self) -> BoxFuture<'_, Result<RegistriesView, ConsoleError>>;
}

/// The registry roles' bindings as the signed-in user, for the Access page.
pub trait AccessBindings: Send + Sync {
    fn load(&self) -> BoxFuture<'_, Result<AccessView, ConsoleError>>;
}

/// The image pruner as the signed-in user, for the Pruner page.
pub trait PrunerAccess: Send + Sync {
    fn load(&self) -> BoxFuture<'_, Result<PrunerView, ConsoleError>>;
}

/// The registry's health as the signed-in user, for the Overview (each part on its own).
pub trait OverviewAccess: Send + Sync {
    fn load(&self) -> BoxFuture<'_, Result<OverviewView, ConsoleError>>;
}

/// The registry pods' logs as the signed-in user, for the Logs page.
pub trait LogsAccess: Send + Sync {
    fn load(&self, query: LogsQuery) -> BoxFuture<'_, Result<LogsView, ConsoleError>>;
}

/// One area's changes through the change pipeline (SPEC §5). A draft is the page's own
/// submission as JSON: the shared review component passes it through without knowing it.
pub trait ChangeService: Send + Sync {
    /// The checks a page runs as the user types (no dry run, nothing changed): the broken
    /// rules of the draft, errors only. Areas without such checks find none.
    fn check(&self, _draft: String) -> BoxFuture<'_, Result<Vec<Violation>, ConsoleError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    /// Every check up to and including the API server's dry run; nothing is changed.
    fn preview(&self, draft: String) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>>;
    /// The whole pipeline; the follow-up then runs on the server and is recorded.
    fn apply(&self, draft: String, reason: String) -> BoxFuture<'_, Result<Applied, ConsoleError>>;
}

/// What a request may use, each part built only when a server function asks for it.
pub trait Services: Send + Sync {
    fn cluster(&self) -> Result<Arc<dyn ClusterAccess>, ConsoleError>;
    fn audit(&self) -> Result<Arc<dyn AuditAccess>, ConsoleError>;
    fn versions(&self) -> Result<Arc<dyn VersionAccess>, ConsoleError>;
    fn registry_config(&self) -> Result<Arc<dyn ConfigAccess>, ConsoleError>;
    fn storage(&self) -> Result<Arc<dyn StorageAccess>, ConsoleError>;
    fn exposure(&self) -> Result<Arc<dyn ExposureAccess>, ConsoleError>;
    fn ca_trust(&self) -> Result<Arc<dyn CaTrustAccess>, ConsoleError>;
    fn registries(&self) -> Result<Arc<dyn RegistriesAccess>, ConsoleError>;
    fn access_bindings(&self) -> Result<Arc<dyn AccessBindings>, ConsoleError>;
    fn pruner(&self) -> Result<Arc<dyn PrunerAccess>, ConsoleError>;
    fn overview(&self) -> Result<Arc<dyn OverviewAccess>, ConsoleError>;
    fn logs(&self) -> Result<Arc<dyn LogsAccess>, ConsoleError>;
    fn changes(&self, area: ChangeArea) -> Result<Arc<dyn ChangeService>, ConsoleError>;
    fn follow_ups(&self) -> Result<Arc<dyn FollowUpAccess>, ConsoleError>;
}

/// The follow-ups of the changes the console applied (SPEC §5: until healthy or Degraded).
pub trait FollowUpAccess: Send + Sync {
    /// How the change stands now; `Invalid` for a change this console is not following.
    fn get(&self, change_id: String) -> BoxFuture<'_, Result<FollowUpView, ConsoleError>>;
}

/// Provided by the server to every page render and server function of a signed-in user.
#[derive(Clone)]
pub struct RequestUser {
    pub session: SessionView,
    pub services: Arc<dyn Services>,
}
