//! The Logs page's read (guide §5.4): the registry's pods from the shared cache (after the
//! user's own permission check), and the chosen pod's log through the API server
//! (`pods/log`) as the user. Following and downloading use the same call
//! ([`log_params`]) from `http::logs`.

use super::overview::pod_row;
use crate::kube::cache::{Caches, NAMESPACE};
use crate::kube::resources;
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, ClusterAccess, LogsAccess};
use app::domain::access::check;
use app::domain::logs::{LogLine, LogsQuery, LogsView, split_timestamp};
use app::domain::overview::{Panel, PanelProblem, PodRow};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use std::sync::Arc;

/// At most this much of a log is read for the page (the download has no limit).
const PAGE_LIMIT_BYTES: i64 = 8 * 1024 * 1024;

pub struct LogsService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    pub caches: Option<Arc<Caches>>,
}

/// The `pods/log` parameters for `query`. Timestamps are always asked for: following
/// starts exactly after the last line shown, and the page drops them when not wanted.
pub fn log_params(query: &LogsQuery, container: &str) -> LogParams {
    LogParams {
        container: Some(container.to_string()).filter(|c| !c.is_empty()),
        tail_lines: Some(i64::from(query.tail)),
        since_seconds: query.since_seconds(),
        timestamps: true,
        ..LogParams::default()
    }
}

/// Why the user may not read pod logs, and which role grants it.
pub fn logs_denied(reason: Option<String>) -> PanelProblem {
    PanelProblem::Forbidden {
        permission: format!("get on pods/log in namespace {NAMESPACE}"),
        reason,
    }
}

impl LogsService {
    async fn lines(&self, pod: &str, container: &str, query: &LogsQuery) -> Panel<Vec<LogLine>> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), NAMESPACE);
        let mut params = log_params(query, container);
        params.limit_bytes = Some(PAGE_LIMIT_BYTES);
        match api
            .logs(&crate::kube::resources::path_segment(pod), &params)
            .await
        {
            Ok(text) => Ok(text.lines().map(split_timestamp).collect()),
            Err(e) => Err(match crate::kube::user::console_error(e) {
                ConsoleError::Kubernetes { code: 403, message } => logs_denied(Some(message)),
                ConsoleError::Kubernetes { code, message } => {
                    PanelProblem::Unavailable(format!("{code}: {message}"))
                }
                other => PanelProblem::Unavailable(other.to_string()),
            }),
        }
    }

    pub async fn load(&self, query: LogsQuery) -> Result<LogsView, ConsoleError> {
        let query = query.checked().map_err(|p| {
            ConsoleError::Invalid(format!(
                "{}: {}",
                p.field,
                app::i18n::text(app::i18n::Lang::En, &p.key, &[("value", &p.value)])
            ))
        })?;
        let pods_check = check(
            "action.read_pods",
            "list",
            "",
            "pods",
            Some(NAMESPACE),
            None,
        );
        let logs_check = check(
            "action.read_logs",
            "get",
            "",
            "pods/log",
            Some(NAMESPACE),
            None,
        );
        let decisions = self
            .cluster
            .review(vec![pods_check.clone(), logs_check.clone()])
            .await?;
        let decision = |c| decisions.iter().find(|d| &d.check == c);
        let pods: Panel<Vec<PodRow>> = match decision(&pods_check) {
            Some(d) if !d.allowed => Err(PanelProblem::Forbidden {
                permission: d.check.permission(),
                reason: d.reason.clone(),
            }),
            _ => match self.caches.as_ref().and_then(|c| c.get(resources::POD)) {
                None => Err(PanelProblem::Unavailable(
                    "no Kubernetes cluster is configured".into(),
                )),
                Some(cache) => cache
                    .objects()
                    .map(|objects| {
                        let mut rows: Vec<PodRow> = objects
                            .iter()
                            .map(|o| pod_row(&serde_json::to_value(o).unwrap_or_default()))
                            .collect();
                        rows.sort_by(|a, b| a.name.cmp(&b.name));
                        rows
                    })
                    .map_err(PanelProblem::Unavailable),
            },
        };
        // The pod asked for, else the first registry pod; a pod name typed into the URL is
        // read as asked (the API server decides), not replaced.
        let pod = Some(query.pod.clone())
            .filter(|p| !p.is_empty())
            .or_else(|| {
                pods.as_ref().ok().and_then(|rows| {
                    rows.iter()
                        .find(|p| p.name.starts_with("image-registry-"))
                        .or(rows.first())
                        .map(|p| p.name.clone())
                })
            });
        let container = Some(query.container.clone())
            .filter(|c| !c.is_empty())
            .or_else(|| {
                let rows = pods.as_ref().ok()?;
                let row = rows.iter().find(|p| Some(&p.name) == pod.as_ref())?;
                row.containers.first().cloned()
            });
        let lines = match (&pod, decision(&logs_check)) {
            (_, Some(d)) if !d.allowed => Err(logs_denied(d.reason.clone())),
            (None, _) => Ok(Vec::new()),
            (Some(pod), _) => {
                self.lines(pod, container.as_deref().unwrap_or_default(), &query)
                    .await
            }
        };
        Ok(LogsView {
            query,
            pods,
            pod,
            container,
            lines,
        })
    }
}

impl LogsAccess for LogsService {
    fn load(&self, query: LogsQuery) -> BoxFuture<'_, Result<LogsView, ConsoleError>> {
        Box::pin(LogsService::load(self, query))
    }
}
