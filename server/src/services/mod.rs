//! The services behind the app's port traits, one per page, each acting as the signed-in
//! user. A request gets a [`RequestServices`]; it builds a page's service only when a server
//! function asks for it.

pub mod audit;
pub mod ca_trust;
pub mod doctor;
pub mod exposure;
pub mod logs;
pub mod overview;
pub mod pruner;
pub mod registries;
pub mod registry_access;
pub mod registry_config;
pub mod registry_login;
pub mod registry_metrics;
pub mod restore;
pub mod storage;

use crate::auth::session::SignedIn;
use crate::change::{ChangePipeline, PipelineError, Requester};
use crate::kube::user::UserClients;
use app::api::error::ConsoleError;
use app::api::ports::{
    AccessBindings, AuditAccess, BoxFuture, CaTrustAccess, ChangeService, ClusterAccess,
    ConfigAccess, ExposureAccess, FollowUpAccess, LogsAccess, OverviewAccess, PrunerAccess,
    RegistriesAccess, Services, StorageAccess, VersionAccess,
};
use app::domain::access::console_actions;
use app::domain::change::{ChangeArea, FollowUpView};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

pub fn change_error(e: PipelineError) -> ConsoleError {
    ConsoleError::Change(Box::new(e))
}

/// A page's draft (its submission as JSON), decoded only after the role check.
pub fn decode_draft<T: DeserializeOwned>(draft: &str) -> Result<T, ConsoleError> {
    serde_json::from_str(draft).map_err(|e| ConsoleError::Invalid(format!("draft: {e}")))
}

/// A live check's answer from an attempt to build a page's request: the broken rules when
/// it was refused as invalid, none when it could be built; other failures stay failures.
pub fn refused_rules<T>(
    attempt: Result<T, ConsoleError>,
) -> Result<Vec<app::domain::violation::Violation>, ConsoleError> {
    match attempt {
        Ok(_) => Ok(Vec::new()),
        Err(ConsoleError::Change(e)) => match *e {
            PipelineError::Invalid(found) => Ok(found),
            other => Err(ConsoleError::Change(Box::new(other))),
        },
        Err(e) => Err(e),
    }
}

/// `name` of `resource` (in `namespace`) as the user, as JSON; `None` when absent.
pub async fn get_object(
    client: &kube::Client,
    resource: crate::kube::resources::Resource,
    namespace: Option<&str>,
    name: &str,
) -> Result<Option<Value>, ConsoleError> {
    resource
        .api(client.clone(), namespace)
        .get_opt(&crate::kube::resources::path_segment(name))
        .await
        .map_err(crate::kube::user::console_error)?
        .map(|o| serde_json::to_value(o).map_err(|e| ConsoleError::Unavailable(e.to_string())))
        .transpose()
}

/// `name` of a cluster-scoped `resource` that must exist (the operator's singletons).
pub async fn get_required(
    client: &kube::Client,
    resource: crate::kube::resources::Resource,
    name: &str,
) -> Result<Value, ConsoleError> {
    get_object(client, resource, None, name)
        .await?
        .ok_or_else(|| {
            ConsoleError::Unavailable(format!("{} {name} does not exist", resource.oc_name()))
        })
}

/// The string at `pointer` in `value` (empty when absent).
pub fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Why the API server would refuse the user the console action `action_key` (`None`:
/// allowed), as the page says it.
pub async fn denied_reason(cluster: &dyn ClusterAccess, action_key: &str) -> Option<String> {
    match cluster.review(console_actions()).await {
        Ok(decisions) => decisions
            .into_iter()
            .find(|d| d.check.action_key == action_key)
            .filter(|d| !d.allowed)
            .map(|d| d.reason.unwrap_or_else(|| d.check.permission())),
        Err(e) => Some(e.to_string()),
    }
}

/// What one request of a signed-in user may use.
pub struct RequestServices {
    pub user: Arc<SignedIn>,
    /// Clients acting as each user (`None` without a cluster).
    pub users: Option<Arc<UserClients>>,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
    /// The shared watch-backed caches (`None` without a cluster).
    pub caches: Option<Arc<crate::kube::cache::Caches>>,
    pub registry_metrics: Arc<registry_metrics::MetricsWindow>,
    pub doctor_reads: Arc<doctor::ReadsCache>,
    /// The user's console roles.
    pub roles: app::domain::access::Roles,
    /// The doctor's settings (`doctor.*`).
    pub doctor: crate::config::DoctorSettings,
}

impl RequestServices {
    /// The cluster as this user: never the console's own identity.
    fn client(&self) -> Result<kube::Client, ConsoleError> {
        let users = self.users.as_ref().ok_or_else(|| {
            ConsoleError::Unavailable("no Kubernetes cluster is configured".into())
        })?;
        users.client_for(&self.user).map_err(|e| {
            tracing::warn!(error = %e, "no Kubernetes client for this user");
            ConsoleError::Unavailable(e)
        })
    }

    fn restore_service(&self) -> Result<Arc<restore::RestoreService>, ConsoleError> {
        Ok(Arc::new(restore::RestoreService {
            client: self.client()?,
            pipeline: self.pipeline.clone(),
            requester: self.requester.clone(),
            admin: self.roles.admin,
        }))
    }

    fn registry_config_service(
        &self,
    ) -> Result<Arc<registry_config::RegistryConfigService>, ConsoleError> {
        Ok(Arc::new(registry_config::RegistryConfigService {
            client: self.client()?,
            cluster: self.cluster()?,
            pipeline: self.pipeline.clone(),
            requester: self.requester.clone(),
        }))
    }
}

impl RequestServices {
    fn storage_service(&self) -> Result<Arc<storage::StorageService>, ConsoleError> {
        Ok(Arc::new(storage::StorageService {
            client: self.client()?,
            cluster: self.cluster()?,
            pipeline: self.pipeline.clone(),
            requester: self.requester.clone(),
        }))
    }

    fn exposure_service(&self) -> Result<Arc<exposure::ExposureService>, ConsoleError> {
        Ok(Arc::new(exposure::ExposureService {
            client: self.client()?,
            cluster: self.cluster()?,
            pipeline: self.pipeline.clone(),
            requester: self.requester.clone(),
        }))
    }

    fn access_service(&self) -> Result<Arc<registry_access::RegistryAccessService>, ConsoleError> {
        let (names, groups) = self
            .users
            .as_ref()
            .map(|u| u.api_names(&self.user))
            .unwrap_or_default();
        Ok(Arc::new(registry_access::RegistryAccessService {
            client: self.client()?,
            cluster: self.cluster()?,
            pipeline: self.pipeline.clone(),
            requester: self.requester.clone(),
            me: app::domain::registry_access::Me { names, groups },
        }))
    }

    fn pruner_service(&self) -> Result<Arc<pruner::PrunerService>, ConsoleError> {
        Ok(Arc::new(pruner::PrunerService {
            client: self.client()?,
            cluster: self.cluster()?,
            pipeline: self.pipeline.clone(),
            requester: self.requester.clone(),
        }))
    }

    fn ca_trust_service(&self) -> Result<Arc<ca_trust::CaTrustService>, ConsoleError> {
        Ok(Arc::new(ca_trust::CaTrustService {
            client: self.client()?,
            cluster: self.cluster()?,
            pipeline: self.pipeline.clone(),
            requester: self.requester.clone(),
        }))
    }
}

impl RequestServices {
    fn registries_service(&self) -> Result<Arc<registries::RegistriesService>, ConsoleError> {
        Ok(Arc::new(registries::RegistriesService {
            client: self.client()?,
            cluster: self.cluster()?,
            pipeline: self.pipeline.clone(),
            requester: self.requester.clone(),
        }))
    }
}

impl Services for RequestServices {
    fn cluster(&self) -> Result<Arc<dyn ClusterAccess>, ConsoleError> {
        let users = self.users.as_ref().ok_or_else(|| {
            ConsoleError::Unavailable("no Kubernetes cluster is configured".into())
        })?;
        users
            .access_for(&self.user)
            .map_err(ConsoleError::Unavailable)
    }

    fn audit(&self) -> Result<Arc<dyn AuditAccess>, ConsoleError> {
        Ok(Arc::new(self.pipeline.audit.clone()))
    }

    fn versions(&self) -> Result<Arc<dyn VersionAccess>, ConsoleError> {
        Ok(self.restore_service()?)
    }

    fn registry_config(&self) -> Result<Arc<dyn ConfigAccess>, ConsoleError> {
        Ok(self.registry_config_service()?)
    }

    fn storage(&self) -> Result<Arc<dyn StorageAccess>, ConsoleError> {
        Ok(self.storage_service()?)
    }

    fn exposure(&self) -> Result<Arc<dyn ExposureAccess>, ConsoleError> {
        Ok(self.exposure_service()?)
    }

    fn ca_trust(&self) -> Result<Arc<dyn CaTrustAccess>, ConsoleError> {
        Ok(self.ca_trust_service()?)
    }

    fn registries(&self) -> Result<Arc<dyn RegistriesAccess>, ConsoleError> {
        Ok(self.registries_service()?)
    }

    fn access_bindings(&self) -> Result<Arc<dyn AccessBindings>, ConsoleError> {
        Ok(self.access_service()?)
    }

    fn pruner(&self) -> Result<Arc<dyn PrunerAccess>, ConsoleError> {
        Ok(self.pruner_service()?)
    }

    fn overview(&self) -> Result<Arc<dyn OverviewAccess>, ConsoleError> {
        Ok(Arc::new(overview::OverviewService {
            client: self.client()?,
            cluster: self.cluster()?,
            caches: self.caches.clone(),
            metrics: self.registry_metrics.clone(),
            doctor_reads: self.doctor_reads.clone(),
            user: self.user.clone(),
            audit: self.pipeline.audit.clone(),
            show_changes: app::domain::access::may_open(self.roles, app::domain::page::Page::Audit),
            may_change: self.roles.admin,
            thresholds: self.doctor.thresholds(),
            doctor: self.doctor.enabled,
        }))
    }

    fn logs(&self) -> Result<Arc<dyn LogsAccess>, ConsoleError> {
        Ok(Arc::new(logs::LogsService {
            client: self.client()?,
            cluster: self.cluster()?,
            caches: self.caches.clone(),
        }))
    }

    fn changes(&self, area: ChangeArea) -> Result<Arc<dyn ChangeService>, ConsoleError> {
        match area {
            ChangeArea::RegistryConfig => Ok(self.registry_config_service()?),
            ChangeArea::Storage => Ok(self.storage_service()?),
            ChangeArea::Exposure => Ok(self.exposure_service()?),
            ChangeArea::CaTrust => Ok(self.ca_trust_service()?),
            ChangeArea::Registries => Ok(self.registries_service()?),
            ChangeArea::Access => Ok(self.access_service()?),
            ChangeArea::Pruner => Ok(self.pruner_service()?),
            ChangeArea::Restore => Ok(self.restore_service()?),
        }
    }

    fn follow_ups(&self) -> Result<Arc<dyn FollowUpAccess>, ConsoleError> {
        Ok(Arc::new(FollowUpReader {
            pipeline: self.pipeline.clone(),
        }))
    }
}

struct FollowUpReader {
    pipeline: Arc<ChangePipeline>,
}

impl FollowUpAccess for FollowUpReader {
    fn get(&self, change_id: String) -> BoxFuture<'_, Result<FollowUpView, ConsoleError>> {
        Box::pin(async move {
            self.pipeline.follow_ups.get(&change_id).ok_or_else(|| {
                ConsoleError::Invalid(format!(
                    "change {change_id} is not being followed by this console"
                ))
            })
        })
    }
}
