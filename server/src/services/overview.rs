//! The Overview's read (SPEC §6): every part from the shared watch-backed caches
//! ([`crate::kube::cache`]), each served only after the user's own SelfSubjectAccessReview
//! allows reading that kind (cached per user, [`crate::kube::user::ACCESS_CACHE_TTL`]), so
//! sharing never shows anyone what their RBAC denies. The metrics are read as the user
//! through the API server's service proxy into a shared window
//! ([`super::registry_metrics`]), again only for users allowed to read them.

use super::registry_metrics::{MetricsWindow, ReadError};
use super::text;
use crate::kube::cache::{Cache, Caches};
use crate::kube::resources::{self, Resource};
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, ClusterAccess, OverviewAccess};
use app::domain::access::{AccessCheck, AccessDecision, check};
use app::domain::metrics::MetricsView;
use app::domain::overview::{
    DeploymentSummary, EventRow, OverviewView, Panel, PanelProblem, PodRow, PrunerSummary,
    RegistrySummary, RouteRow, TimedCondition, order_events,
};
use app::domain::registry_config::form::storage_summary;
use kube::api::DynamicObject;
use serde_json::Value;
use std::sync::Arc;

/// Events shown, warnings first.
const EVENTS_SHOWN: usize = 20;

/// The longest the Overview waits for the registry's metrics: no part of a page may hold
/// the page up (the window keeps what was read before).
const METRICS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);
/// The same for the user's permission check (cached per user; asked again every 30 s).
const REVIEW_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

pub struct OverviewService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    /// `None` without a cluster.
    pub caches: Option<Arc<Caches>>,
    pub metrics: Arc<MetricsWindow>,
    pub doctor_reads: Arc<super::doctor::ReadsCache>,
    /// Who the page is for (the doctor's reads are kept per identity).
    pub user: Arc<crate::auth::session::SignedIn>,
    pub audit: crate::audit::store::AuditStore,
    /// The user may read the audit trail: findings then name the change they followed.
    pub show_changes: bool,
    /// The user is an admin: the findings' fixes are theirs to apply.
    pub may_change: bool,
    pub thresholds: app::domain::doctor::Thresholds,
    /// `doctor.enabled`.
    pub doctor: bool,
}

/// `get` on `registry/metrics` in `image.openshift.io` (guide §5.5: `prometheus-scraper`).
pub fn metrics_check() -> AccessCheck {
    check(
        "action.read_metrics",
        "get",
        "image.openshift.io",
        "registry/metrics",
        None,
        None,
    )
}

/// The question for one cached kind: `get` on the named object, or `list` in its namespace.
fn read_check(cache: &Cache) -> AccessCheck {
    let w = cache.watched;
    check(
        "action.read_overview",
        if w.name.is_some() { "get" } else { "list" },
        w.resource.group,
        w.resource.plural,
        w.namespace,
        w.name,
    )
}

/// The user's permissions, or why the API server could not say.
type Decisions = Result<Vec<AccessDecision>, String>;

fn allowed(decisions: &Decisions) -> Result<&[AccessDecision], PanelProblem> {
    decisions.as_deref().map_err(|e| {
        PanelProblem::Unavailable(format!("the console cannot check your permissions: {e}"))
    })
}

fn forbidden(decision: &AccessDecision) -> PanelProblem {
    PanelProblem::Forbidden {
        permission: decision.check.permission(),
        reason: decision.reason.clone(),
    }
}

pub(crate) fn conditions(status: &Value) -> Vec<TimedCondition> {
    status
        .get("conditions")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|c| TimedCondition {
                    kind: text(c, "/type"),
                    status: text(c, "/status"),
                    reason: text(c, "/reason"),
                    message: text(c, "/message"),
                    last_transition: Some(text(c, "/lastTransitionTime")).filter(|t| !t.is_empty()),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn json(object: &DynamicObject) -> Value {
    serde_json::to_value(object).unwrap_or_default()
}

fn integer(value: &Value, pointer: &str) -> i64 {
    value.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

pub(crate) fn registry_summary(config: &Value) -> RegistrySummary {
    let spec = config.get("spec").cloned().unwrap_or_default();
    RegistrySummary {
        management_state: text(&spec, "/managementState"),
        storage: storage_summary(&spec),
        replicas: integer(&spec, "/replicas"),
        rollout_strategy: text(&spec, "/rolloutStrategy"),
        read_only: spec
            .get("readOnly")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        default_route: spec
            .get("defaultRoute")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        custom_routes: spec
            .get("routes")
            .and_then(Value::as_array)
            .map(|routes| {
                routes
                    .iter()
                    .map(|r| (text(r, "/name"), text(r, "/hostname")))
                    .collect()
            })
            .unwrap_or_default(),
        conditions: conditions(config.get("status").unwrap_or(&Value::Null)),
    }
}

pub(crate) fn deployment_summary(deployment: &Value) -> DeploymentSummary {
    let progress = conditions(deployment.get("status").unwrap_or(&Value::Null))
        .into_iter()
        .find(|c| c.kind == "Progressing")
        .map(|c| c.message)
        .unwrap_or_default();
    DeploymentSummary {
        name: text(deployment, "/metadata/name"),
        desired: integer(deployment, "/spec/replicas"),
        ready: integer(deployment, "/status/readyReplicas"),
        updated: integer(deployment, "/status/updatedReplicas"),
        available: integer(deployment, "/status/availableReplicas"),
        strategy: text(deployment, "/spec/strategy/type"),
        progress,
    }
}

pub fn pod_row(pod: &Value) -> PodRow {
    let statuses = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // The registry container's (the pod has one; another's would do as well).
    let registry = statuses
        .iter()
        .find(|s| text(s, "/name") == "registry")
        .or(statuses.first())
        .cloned()
        .unwrap_or_default();
    PodRow {
        name: text(pod, "/metadata/name"),
        ready_containers: statuses
            .iter()
            .filter(|s| s.get("ready").and_then(Value::as_bool) == Some(true))
            .count() as i64,
        containers: pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .map(|l| l.iter().map(|c| text(c, "/name")).collect())
            .unwrap_or_default(),
        phase: text(pod, "/status/phase"),
        restarts: statuses.iter().map(|s| integer(s, "/restartCount")).sum(),
        started: Some(text(pod, "/status/startTime"))
            .filter(|t| !t.is_empty())
            .or_else(|| Some(text(pod, "/metadata/creationTimestamp")).filter(|t| !t.is_empty())),
        node: text(pod, "/spec/nodeName"),
        waiting_reason: text(&registry, "/state/waiting/reason"),
        waiting_message: text(&registry, "/state/waiting/message"),
        last_terminated_reason: text(&registry, "/lastState/terminated/reason"),
        last_exit_code: registry
            .pointer("/lastState/terminated/exitCode")
            .and_then(Value::as_i64),
        last_terminated_message: text(&registry, "/lastState/terminated/message"),
    }
}

pub(crate) fn event_row(event: &Value) -> EventRow {
    let last_seen = [
        "/lastTimestamp",
        "/eventTime",
        "/metadata/creationTimestamp",
    ]
    .iter()
    .map(|p| text(event, p))
    .find(|t| !t.is_empty());
    EventRow {
        kind: text(event, "/type"),
        reason: text(event, "/reason"),
        object: format!(
            "{}/{}",
            text(event, "/involvedObject/kind"),
            text(event, "/involvedObject/name")
        ),
        message: text(event, "/message"),
        count: integer(event, "/count").max(1),
        last_seen,
    }
}

pub(crate) fn route_row(route: &Value) -> RouteRow {
    RouteRow {
        name: text(route, "/metadata/name"),
        host: text(route, "/spec/host"),
        termination: text(route, "/spec/tls/termination"),
    }
}

/// The current time as RFC 3339.
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

impl OverviewService {
    /// The objects of `resource` if the user may read them, else why not.
    fn read(&self, resource: Resource, decisions: &Decisions) -> Panel<Vec<Arc<DynamicObject>>> {
        let caches = self.caches.as_ref().ok_or_else(|| {
            PanelProblem::Unavailable("no Kubernetes cluster is configured".into())
        })?;
        let cache = caches.get(resource).ok_or_else(|| {
            PanelProblem::Unavailable(format!("{} is not watched", resource.oc_name()))
        })?;
        let check = read_check(cache);
        let decision = allowed(decisions)?
            .iter()
            .find(|d| d.check == check)
            .ok_or_else(|| PanelProblem::Unavailable("no access decision".into()))?;
        if !decision.allowed {
            return Err(forbidden(decision));
        }
        cache.objects().map_err(PanelProblem::Unavailable)
    }

    fn rows<T>(
        &self,
        resource: Resource,
        decisions: &Decisions,
        row: impl Fn(&Value) -> T,
    ) -> Panel<Vec<T>> {
        Ok(self
            .read(resource, decisions)?
            .iter()
            .map(|o| row(&json(o)))
            .collect())
    }

    fn single<T>(
        &self,
        resource: Resource,
        decisions: &Decisions,
        summary: impl Fn(&Value) -> T,
    ) -> Panel<Option<T>> {
        Ok(self
            .read(resource, decisions)?
            .first()
            .map(|o| summary(&json(o))))
    }

    /// The metrics window, refreshed when it is stale. Not asked for when no registry pod
    /// is ready (there is nothing to answer), and never waited for longer than
    /// [`METRICS_DEADLINE`]: a registry that does not answer is a reason, not an outage.
    async fn metrics(
        &self,
        decisions: &Decisions,
        pods: &Panel<Vec<PodRow>>,
    ) -> Panel<MetricsView> {
        let check = metrics_check();
        if let Some(decision) = allowed(decisions)?.iter().find(|d| d.check == check)
            && !decision.allowed
        {
            return Err(forbidden(decision));
        }
        if let Ok(pods) = pods
            && !pods
                .iter()
                .any(|p| p.phase == "Running" && p.ready_containers > 0)
        {
            return Err(PanelProblem::RegistryNotServing(if pods.is_empty() {
                "no registry pod exists".to_string()
            } else {
                format!("none of the {} registry pods is ready", pods.len())
            }));
        }
        let read = tokio::time::timeout(METRICS_DEADLINE, self.metrics.refresh(&self.client)).await;
        match read {
            Err(_) => {
                let why = format!(
                    "the registry's metrics did not answer within {} s",
                    METRICS_DEADLINE.as_secs()
                );
                self.metrics.set_failure(Some(why.clone()));
                Err(PanelProblem::RegistryNotServing(why))
            }
            Ok(Ok(())) => Ok(self.metrics.view()),
            Ok(Err(ReadError::Format(why))) => Err(PanelProblem::Unavailable(why)),
            Ok(Err(ReadError::NotServing(why))) => Err(PanelProblem::RegistryNotServing(why)),
            Ok(Err(ReadError::Api(e))) => Err(match crate::kube::user::console_error(e) {
                ConsoleError::Kubernetes { code: 403, message } => PanelProblem::Forbidden {
                    permission: "get on services/proxy \"https:image-registry:5000-tcp\" in namespace openshift-image-registry".into(),
                    reason: Some(message),
                },
                // The service proxy's answer when no endpoint is ready, or the registry's own.
                ConsoleError::Kubernetes { code: code @ (502..=504), message } => {
                    PanelProblem::RegistryNotServing(format!("{code}: {message}"))
                }
                ConsoleError::Kubernetes { code, message } => {
                    PanelProblem::Unavailable(format!("{code}: {message}"))
                }
                other => PanelProblem::Unavailable(other.to_string()),
            }),
        }
    }

    pub async fn load(&self) -> Result<OverviewView, ConsoleError> {
        let mut checks: Vec<AccessCheck> = self
            .caches
            .iter()
            .flat_map(|c| {
                crate::kube::cache::OVERVIEW_KINDS
                    .iter()
                    .filter_map(|w| c.get(w.resource))
                    .map(read_check)
                    .collect::<Vec<_>>()
            })
            .collect();
        checks.push(metrics_check());
        // Unanswered, every part says why rather than the page failing as a whole.
        let decisions =
            match tokio::time::timeout(REVIEW_DEADLINE, self.cluster.review(checks)).await {
                Ok(answer) => answer.map_err(|e| e.to_string()),
                Err(_) => Err(format!(
                    "the API server did not answer the permission check within {} s",
                    REVIEW_DEADLINE.as_secs()
                )),
            };
        let registry = self
            .single(resources::REGISTRY_CONFIG, &decisions, registry_summary)
            .and_then(|config| {
                config.ok_or_else(|| {
                    PanelProblem::Unavailable(
                        "configs.imageregistry.operator.openshift.io cluster does not exist".into(),
                    )
                })
            });
        let events = self
            .rows(resources::EVENT, &decisions, event_row)
            .map(|rows| order_events(rows, EVENTS_SHOWN));
        let mut pods = self.rows(resources::POD, &decisions, pod_row);
        if let Ok(rows) = pods.as_mut() {
            rows.sort_by(|a, b| a.name.cmp(&b.name));
        }
        let pods_for_metrics = pods.clone();
        let mut view = OverviewView {
            now: now_rfc3339(),
            operator: self
                .single(resources::CLUSTER_OPERATOR, &decisions, |o| {
                    conditions(o.get("status").unwrap_or(&Value::Null))
                })
                .map(Option::unwrap_or_default),
            registry,
            deployment: self
                .rows(resources::DEPLOYMENT, &decisions, |d| {
                    (text(d, "/metadata/name"), deployment_summary(d))
                })
                .map(|all| {
                    all.into_iter()
                        .find(|(name, _)| name == "image-registry")
                        .map(|(_, d)| d)
                }),
            pods,
            claims: self.rows(
                resources::PERSISTENT_VOLUME_CLAIM,
                &decisions,
                super::storage::claim_row,
            ),
            events,
            routes: self.rows(resources::ROUTE, &decisions, route_row),
            pruner: self.single(resources::IMAGE_PRUNER, &decisions, |p| PrunerSummary {
                schedule: text(p, "/spec/schedule"),
                suspend: p
                    .pointer("/spec/suspend")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                conditions: conditions(p.get("status").unwrap_or(&Value::Null)),
                created: Some(text(p, "/metadata/creationTimestamp")).filter(|t| !t.is_empty()),
            }),
            metrics: self.metrics(&decisions, &pods_for_metrics).await,
            diagnosis: Default::default(),
        };
        if !self.doctor {
            return Ok(view);
        }
        let route_objects = self
            .read(resources::ROUTE, &decisions)
            .map(|list| list.iter().map(|o| json(o)).collect::<Vec<_>>());
        let pod_names: Vec<String> = view
            .pods
            .as_ref()
            .map(|pods| pods.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default();
        let pruner_created = view
            .pruner
            .as_ref()
            .ok()
            .and_then(|p| p.as_ref())
            .filter(|p| !p.suspend)
            .and_then(|p| p.created.clone());
        let changes = if self.show_changes {
            super::doctor::recent_changes(&self.audit).await
        } else {
            Vec::new()
        };
        let extras = super::doctor::extras(
            &self.client,
            Some(super::doctor::Reader {
                cache: &self.doctor_reads,
                subject: &self.user.identity.subject,
                groups: &self.user.identity.groups,
            }),
            route_objects,
            &pod_names,
            pruner_created.as_deref(),
            &view.now,
            changes,
        )
        .await;
        view.diagnosis = app::domain::doctor::diagnose(&super::doctor::input(
            &view,
            &extras,
            None,
            self.thresholds,
        ));
        view.diagnosis.may_change = self.may_change;
        Ok(view)
    }
}

impl OverviewAccess for OverviewService {
    fn load(&self) -> BoxFuture<'_, Result<OverviewView, ConsoleError>> {
        Box::pin(OverviewService::load(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pod_reads_as_oc_get_pods_shows_it() {
        let pod = json!({
            "metadata": { "name": "image-registry-1-a", "creationTimestamp": "2026-01-01T00:00:00Z" },
            "spec": { "nodeName": "node-1", "containers": [{ "name": "registry" }] },
            "status": {
                "phase": "Running",
                "startTime": "2026-01-01T00:00:05Z",
                "containerStatuses": [{ "ready": true, "restartCount": 2 }]
            }
        });
        let row = pod_row(&pod);
        assert_eq!(row.ready_containers, 1);
        assert_eq!(row.containers, ["registry"]);
        assert_eq!(row.restarts, 2);
        assert_eq!(row.started.as_deref(), Some("2026-01-01T00:00:05Z"));
        assert_eq!(row.node, "node-1");
    }

    #[test]
    fn the_summary_never_carries_more_than_the_configs_scalars() {
        let config = json!({
            "spec": {
                "managementState": "Managed", "replicas": 2, "rolloutStrategy": "RollingUpdate",
                "defaultRoute": true, "routes": [{ "name": "public", "hostname": "r.example" }],
                "storage": { "s3": { "bucket": "images", "region": "us-east-1",
                    "cloudFront": { "privateKey": { "name": "cf-key", "key": "pk" } } } }
            },
            "status": { "conditions": [{ "type": "Available", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z" }] }
        });
        let summary = registry_summary(&config);
        assert_eq!(summary.storage.kind.as_deref(), Some("s3"));
        assert!(
            summary
                .storage
                .details
                .iter()
                .all(|(k, _)| k == "bucket" || k == "region")
        );
        assert_eq!(
            summary.custom_routes,
            [("public".into(), "r.example".into())]
        );
        assert_eq!(
            summary.conditions[0].last_transition.as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
    }
}
