//! What the doctor ([`app::domain::doctor`]) reads beyond the Overview's parts, read as the
//! user (the Overview) or with the command's own credentials (`registry-console doctor`),
//! each with its own deadline: the routes' certificates, the trusted CAs, the credentials
//! Secret's key names, the registry's recent error lines, the pruner's last success and
//! the console's recent changes. A part that cannot be read is said, not guessed.

use super::text;
use crate::audit::store::AuditStore;
use crate::change::tls;
use crate::kube::cache::NAMESPACE;
use crate::kube::resources::{CONFIG_MAP, IMAGE_CONFIG, JOB, SECRET};
use app::domain::ca_trust::{CONFIG_NAMESPACE, TrustedCa};
use app::domain::doctor::{
    DoctorInput, MetricFacts, PRUNER_SUCCESS_WITHIN_SECONDS, PodLogLine, RecentChange, RouteCheck,
    Thresholds, Unchecked,
};
use app::domain::logs::split_timestamp;
use app::domain::overview::{OverviewView, Panel, PanelProblem, seconds_between};
use kube::api::{Api, ListParams, LogParams};
use serde_json::Value;
use std::time::Duration;

/// The longest any one of the doctor's own reads may take.
const READ_DEADLINE: Duration = Duration::from_secs(2);
/// Log lines read per pod (the newest), and pods read.
const LOG_TAIL: i64 = 300;
const LOG_PODS: usize = 3;
/// Changes older than this are not offered as a cause.
const CHANGES_SINCE: chrono::Duration = chrono::Duration::hours(2);

/// The credentials Secret the storage reads (guide 2.6).
const CREDENTIALS: &str = "image-registry-private-configuration-user";

/// What the doctor reads beyond the Overview's parts.
#[derive(Clone, Debug)]
pub struct Extras {
    pub routes: Panel<Vec<RouteCheck>>,
    pub trusted_cas: Panel<Vec<TrustedCa>>,
    pub credential_keys: Panel<Option<Vec<String>>>,
    pub log_errors: Panel<Vec<PodLogLine>>,
    /// `Ok(None)`: not worth asking (the pruner is younger than its 48 hours, suspended or
    /// absent); `Ok(Some(None))`: never succeeded.
    pub pruner_last_success: Panel<Option<Option<String>>>,
    pub changes: Vec<RecentChange>,
}

fn problem(e: app::api::error::ConsoleError, what: &str) -> PanelProblem {
    crate::kube::user::panel_problem(e, what)
}

async fn deadline<T>(what: &str, read: impl std::future::Future<Output = Panel<T>>) -> Panel<T> {
    tokio::time::timeout(READ_DEADLINE, read)
        .await
        .unwrap_or_else(|_| {
            Err(PanelProblem::Unavailable(format!(
                "{what} did not answer within {} s",
                READ_DEADLINE.as_secs()
            )))
        })
}

/// A Route's host and its own serving certificate (the first of `spec.tls.certificate`).
pub fn route_check(route: &Value, now: chrono::DateTime<chrono::Utc>) -> RouteCheck {
    let pem = text(route, "/spec/tls/certificate");
    RouteCheck {
        name: text(route, "/metadata/name"),
        host: text(route, "/spec/host"),
        certificate: (!pem.trim().is_empty())
            .then(|| tls::parse_certificates("spec.tls.certificate", pem.as_bytes()).ok())
            .flatten()
            .and_then(|infos| infos.into_iter().next())
            .map(|info| tls::shown(info, now)),
    }
}

async fn trusted_cas(
    client: &kube::Client,
    now: chrono::DateTime<chrono::Utc>,
) -> Panel<Vec<TrustedCa>> {
    let image = super::get_object(client, IMAGE_CONFIG, None, "cluster")
        .await
        .map_err(|e| problem(e, "get on images.config.openshift.io cluster"))?;
    let name = image
        .as_ref()
        .map(|i| text(i, "/spec/additionalTrustedCA/name"))
        .unwrap_or_default();
    if name.is_empty() {
        return Ok(Vec::new());
    }
    let map = super::get_object(client, CONFIG_MAP, Some(CONFIG_NAMESPACE), &name)
        .await
        .map_err(|e| {
            problem(
                e,
                &format!("get on configmaps in namespace {CONFIG_NAMESPACE}"),
            )
        })?;
    let data = map
        .as_ref()
        .and_then(|m| m.get("data"))
        .and_then(Value::as_object)
        .map(|d| {
            d.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    Ok(super::ca_trust::trusted_cas(&data, now))
}

async fn credential_keys(client: &kube::Client) -> Panel<Option<Vec<String>>> {
    let secret = super::get_object(client, SECRET, Some(NAMESPACE), CREDENTIALS)
        .await
        .map_err(|e| problem(e, &format!("get on secrets in namespace {NAMESPACE}")))?;
    // Key names only: the values are never read into anything the doctor keeps.
    Ok(secret.map(|s| {
        s.get("data")
            .and_then(Value::as_object)
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default()
    }))
}

/// Whether a registry log line says something went wrong.
fn is_error_line(text: &str) -> bool {
    text.contains("level=error")
        || text.contains("level=fatal")
        || text.contains("level=panic")
        || text.starts_with("panic:")
        || text.contains("no space left on device")
        || text.contains("read-only file system")
}

async fn log_errors(client: &kube::Client, pods: &[String]) -> Panel<Vec<PodLogLine>> {
    let api: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client.clone(), NAMESPACE);
    let mut out = Vec::new();
    for pod in pods.iter().take(LOG_PODS) {
        let params = LogParams {
            container: Some("registry".into()),
            tail_lines: Some(LOG_TAIL),
            timestamps: true,
            ..Default::default()
        };
        let text = api
            .logs(&crate::kube::resources::path_segment(pod), &params)
            .await
            .map_err(|e| {
                problem(
                    crate::kube::user::console_error(e),
                    &format!("get on pods/log in namespace {NAMESPACE}"),
                )
            })?;
        out.extend(
            text.lines()
                .map(split_timestamp)
                .filter(|l| is_error_line(&l.text))
                .map(|line| PodLogLine {
                    pod: pod.clone(),
                    line,
                }),
        );
    }
    Ok(out)
}

/// The newest successful pruner Job's completion, when the pruner is old enough that one
/// should exist.
async fn pruner_last_success(
    client: &kube::Client,
    pruner_created: Option<&str>,
    now: &str,
) -> Panel<Option<Option<String>>> {
    let Some(created) = pruner_created else {
        return Ok(None);
    };
    if seconds_between(created, now).is_none_or(|age| age < PRUNER_SUCCESS_WITHIN_SECONDS) {
        return Ok(None);
    }
    let jobs = JOB
        .api(client.clone(), Some(NAMESPACE))
        .list(&ListParams::default())
        .await
        .map_err(|e| {
            problem(
                crate::kube::user::console_error(e),
                &format!("list on jobs in namespace {NAMESPACE}"),
            )
        })?;
    let newest = jobs
        .items
        .iter()
        .map(|j| serde_json::to_value(j).unwrap_or_default())
        .filter(|j| text(j, "/metadata/name").starts_with("image-pruner"))
        .filter(|j| {
            j.pointer("/status/succeeded")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                > 0
        })
        .map(|j| text(&j, "/status/completionTime"))
        .filter(|t| !t.is_empty())
        .max();
    Ok(Some(newest))
}

/// The console's applied changes of the last hours, newest first.
pub async fn recent_changes(audit: &AuditStore) -> Vec<RecentChange> {
    audit
        .recent_changes(chrono::Utc::now() - CHANGES_SINCE)
        .await
        .unwrap_or_default()
}

/// What the doctor reads from the API server itself (the routes come from the Overview's
/// watch cache, the changes from the audit store).
#[derive(Clone)]
struct Reads {
    trusted_cas: Panel<Vec<TrustedCa>>,
    credential_keys: Panel<Option<Vec<String>>>,
    log_errors: Panel<Vec<PodLogLine>>,
    pruner_last_success: Panel<Option<Option<String>>>,
}

/// How long one user's reads serve their Overview renders: a page refreshes on every cache
/// change and every 10 s, and each render would otherwise ask the API server for up to six
/// objects and log tails (the benchmark measured 1.9× the render time without a cache).
pub const READS_FOR: Duration = Duration::from_secs(10);
/// Users whose reads are kept at once; the oldest go first beyond it.
const READS_KEPT: usize = 1_000;

/// The doctor's reads per user and per what they were read for (the pods, the pruner), for
/// [`READS_FOR`]. Keyed by the identity the reads were made as, so no user ever sees what
/// only another may read.
#[derive(Default)]
pub struct ReadsCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Reads)>>,
}

impl ReadsCache {
    fn get(&self, key: &str) -> Option<Reads> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < READS_FOR)
            .map(|(_, reads)| reads.clone())
    }

    fn put(&self, key: String, reads: Reads) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        entries.retain(|_, (at, _)| at.elapsed() < READS_FOR);
        if entries.len() >= READS_KEPT
            && let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(key, (std::time::Instant::now(), reads));
    }
}

/// Who the reads are made as (a user's subject and groups), for [`ReadsCache`].
pub struct Reader<'a> {
    pub cache: &'a ReadsCache,
    pub subject: &'a str,
    pub groups: &'a [String],
}

/// Reads the extras with `client`: the routes from `route_objects` (already read), the
/// logs of `pods`, the pruner's Jobs when `pruner_created` is old enough. With `reader`,
/// reads younger than [`READS_FOR`] made as the same identity for the same pods are used.
pub async fn extras(
    client: &kube::Client,
    reader: Option<Reader<'_>>,
    route_objects: Panel<Vec<Value>>,
    pods: &[String],
    pruner_created: Option<&str>,
    now: &str,
    changes: Vec<RecentChange>,
) -> Extras {
    let clock = chrono::Utc::now();
    let key = reader.as_ref().map(|r| {
        // Newlines cannot occur in a subject, a group or a pod name: the parts stay apart.
        format!(
            "{}\n{}\n{}\n{}",
            r.subject,
            r.groups.join("\n"),
            pods.join(" "),
            pruner_created.unwrap_or_default()
        )
    });
    let cached = reader
        .as_ref()
        .zip(key.as_deref())
        .and_then(|(r, key)| r.cache.get(key));
    let reads = match cached {
        Some(reads) => reads,
        None => {
            let (trusted, keys, logs, pruner) = tokio::join!(
                deadline("the trusted CAs", trusted_cas(client, clock)),
                deadline("the credentials secret", credential_keys(client)),
                deadline("the registry's log", log_errors(client, pods)),
                deadline(
                    "the pruner's jobs",
                    pruner_last_success(client, pruner_created, now)
                ),
            );
            let reads = Reads {
                trusted_cas: trusted,
                credential_keys: keys,
                log_errors: logs,
                pruner_last_success: pruner,
            };
            if let Some((reader, key)) = reader.zip(key) {
                reader.cache.put(key, reads.clone());
            }
            reads
        }
    };
    Extras {
        routes: route_objects.map(|list| list.iter().map(|r| route_check(r, clock)).collect()),
        trusted_cas: reads.trusted_cas,
        credential_keys: reads.credential_keys,
        log_errors: reads.log_errors,
        pruner_last_success: reads.pruner_last_success,
        changes,
    }
}

/// The catalogue key of a part, and why it is missing.
fn unchecked<T>(part: &str, panel: &Panel<T>) -> Option<Unchecked> {
    let (why, forbidden) = match panel.as_ref().err()? {
        PanelProblem::Forbidden { permission, .. } => (permission.clone(), true),
        PanelProblem::Unavailable(why) | PanelProblem::RegistryNotServing(why) => {
            (why.clone(), false)
        }
    };
    Some(Unchecked {
        part: format!("doctor.part.{part}"),
        why,
        forbidden,
    })
}

/// The doctor's input from the Overview's parts and the extras.
pub fn input<'a>(
    view: &'a OverviewView,
    extras: &'a Extras,
    platform: Option<&'a str>,
    thresholds: Thresholds,
) -> DoctorInput<'a> {
    let mut missing: Vec<Unchecked> = [
        unchecked("config", &view.registry),
        unchecked("operator", &view.operator),
        unchecked("deployment", &view.deployment),
        unchecked("pods", &view.pods),
        unchecked("claims", &view.claims),
        unchecked("events", &view.events),
        unchecked("routes", &extras.routes),
        unchecked("trusted_cas", &extras.trusted_cas),
        unchecked("credentials", &extras.credential_keys),
        unchecked("pruner", &view.pruner),
        unchecked("logs", &extras.log_errors),
    ]
    .into_iter()
    .flatten()
    .collect();
    // No registry pod serving is a fact the workload findings state; the metrics are then
    // simply not there.
    if let Err(PanelProblem::Forbidden { .. } | PanelProblem::Unavailable(_)) = &view.metrics {
        missing.extend(unchecked("metrics", &view.metrics));
    }
    DoctorInput {
        now: &view.now,
        platform,
        registry: view.registry.as_ref().ok(),
        operator: view.operator.as_deref().ok(),
        deployment: view.deployment.as_ref().ok().map(Option::as_ref),
        pods: view.pods.as_deref().ok(),
        claims: view.claims.as_deref().ok(),
        events: view.events.as_deref().ok(),
        routes: extras.routes.as_deref().ok(),
        trusted_cas: extras.trusted_cas.as_deref().ok(),
        credential_keys: extras.credential_keys.as_ref().ok().map(Option::as_deref),
        pruner: view.pruner.as_ref().ok().map(Option::as_ref),
        pruner_last_success: match &extras.pruner_last_success {
            Ok(Some(last)) => Some(last.as_deref()),
            _ => None,
        },
        log_errors: extras.log_errors.as_deref().ok(),
        metrics: view.metrics.as_ref().ok().map(|m| MetricFacts {
            error_percent: m.error_percent,
            p99_seconds: m.p99_seconds,
            window_seconds: m.interval_seconds * m.samples.saturating_sub(1) as u64,
        }),
        changes: &extras.changes,
        thresholds,
        unchecked: missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(line: &str) -> Reads {
        Reads {
            trusted_cas: Ok(Vec::new()),
            credential_keys: Ok(None),
            log_errors: Ok(vec![PodLogLine {
                pod: "image-registry-1".into(),
                line: split_timestamp(line),
            }]),
            pruner_last_success: Ok(None),
        }
    }

    fn line_of(reads: Option<Reads>) -> Option<String> {
        reads.and_then(|r| r.log_errors.ok()?.first().map(|l| l.line.text.clone()))
    }

    #[test]
    fn reads_are_kept_per_identity_and_only_for_a_while() {
        let cache = ReadsCache::default();
        cache.put("alice\nadmins".into(), reads("level=error alice's"));
        assert_eq!(
            line_of(cache.get("alice\nadmins")).as_deref(),
            Some("level=error alice's")
        );
        assert!(
            cache.get("bob\nadmins").is_none(),
            "another identity reads again"
        );
        assert!(cache.get("alice\n").is_none(), "other groups read again");
        // An entry older than READS_FOR is not used, and goes at the next put.
        if let Ok(mut entries) = cache.entries.lock()
            && let Some(entry) = entries.get_mut("alice\nadmins")
        {
            entry.0 = entry.0.checked_sub(READS_FOR).expect("uptime");
        }
        assert!(cache.get("alice\nadmins").is_none());
        cache.put("bob\nadmins".into(), reads("level=error bob's"));
        assert_eq!(cache.entries.lock().map(|e| e.len()).ok(), Some(1));
    }

    #[test]
    fn error_lines_are_the_registrys_errors() {
        assert!(is_error_line(
            "time=\"…\" level=error msg=\"response completed with error\" err.detail=\"s3aws: NoSuchBucket\""
        ));
        assert!(is_error_line("panic: s3aws: InvalidAccessKeyId"));
        assert!(!is_error_line(
            "time=\"…\" level=info msg=\"listening on 127.0.0.1:5000\""
        ));
    }
}
