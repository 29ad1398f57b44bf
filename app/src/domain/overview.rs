//! The Overview page's data (SPEC §6; guide §3.4.4 step 4, §5.3): the operator's and the
//! Config's conditions explained, the registry's state, its workload and its metrics, each
//! part on its own so one that cannot be read never hides the others.

use crate::domain::metrics::MetricsView;
use crate::domain::page::Page;
use crate::domain::registry_config::form::StorageSummary;
use crate::domain::storage::wizard::ClaimRow;
use serde::{Deserialize, Serialize};

/// Why a part of a page is missing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PanelProblem {
    /// The user's own permissions do not allow it: what they lack (`list pods in
    /// openshift-image-registry`), and the API server's reason when it gave one.
    Forbidden {
        permission: String,
        reason: Option<String>,
    },
    /// It cannot be read now (API server unreachable, timed out, not watched yet): why.
    Unavailable(String),
    /// The registry itself is not serving (no pod is ready, or it answered with an
    /// error), so what it would tell is not there: a fact about the registry, not an
    /// outage of the console or the API server. The detail says what was seen.
    RegistryNotServing(String),
}

/// One part of a page: its data, or why it is missing.
pub type Panel<T> = Result<T, PanelProblem>;

/// A status condition with when it last changed (RFC 3339, as the API gives it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedCondition {
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_transition: Option<String>,
}

impl TimedCondition {
    /// Whether the condition says something is wrong: Degraded or Removed true, Available
    /// or StorageExists false, Progressing true because of an error.
    pub fn is_problem(&self) -> bool {
        match (self.kind.as_str(), self.status.as_str()) {
            ("Degraded" | "Removed", "True") => true,
            ("Available" | "StorageExists", "False") => true,
            ("Progressing", "True") => self.reason == "Error",
            _ => false,
        }
    }
}

/// The condition types the console explains; any other gets the general explanation.
pub const EXPLAINED_CONDITIONS: [&str; 9] = [
    "Available",
    "Progressing",
    "Degraded",
    "Removed",
    "StorageExists",
    "StorageEncrypted",
    "StoragePublicAccessBlocked",
    "StorageTagged",
    "StorageIncompleteUploadCleanupEnabled",
];

/// Catalogue key of the plain-language explanation of a condition in `status`: what it
/// means and what to do. `Unknown` (or anything but True/False) means the operator has
/// not decided yet, whatever the type. With the registry Removed the operator reports
/// Available, Progressing and Degraded with the reason `Removed`: they describe the
/// removal, so they get its explanation rather than that of a serving registry.
pub fn explanation_key(kind: &str, status: &str, reason: &str) -> String {
    if reason == "Removed" && matches!(kind, "Available" | "Progressing" | "Degraded") {
        return "condition.explain.removed_state".into();
    }
    let status = match status {
        "True" => "true",
        "False" => "false",
        _ => return "condition.explain.unknown".into(),
    };
    if EXPLAINED_CONDITIONS.contains(&kind) {
        format!("condition.explain.{}.{status}", snake_case(kind))
    } else {
        format!("condition.explain.other.{status}")
    }
}

/// `StorageExists` → `storage_exists` (catalogue keys are lower case).
fn snake_case(kind: &str) -> String {
    let mut out = String::new();
    for (i, c) in kind.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The page where an admin fixes what a problem condition reports: storage problems in the
/// storage wizard, everything else in the Configuration page. `None` when there is nothing
/// to fix.
pub fn fixing_page(condition: &TimedCondition) -> Option<Page> {
    if !condition.is_problem() {
        return None;
    }
    let text = format!("{} {}", condition.reason, condition.message).to_ascii_lowercase();
    let about_storage = [
        "storage", "bucket", "claim", "pvc", "s3", "gcs", "azure", "swift",
    ]
    .iter()
    .any(|word| text.contains(word));
    if about_storage || matches!(condition.kind.as_str(), "Removed" | "StorageExists") {
        Some(Page::Storage)
    } else {
        Some(Page::Configuration)
    }
}

/// Where a condition was reported: the ClusterOperator or the registry's Config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionSource {
    ClusterOperator,
    Config,
}

impl ConditionSource {
    /// The kind, as the table names the source.
    pub fn kind(self) -> &'static str {
        match self {
            ConditionSource::ClusterOperator => "ClusterOperator",
            ConditionSource::Config => "Config",
        }
    }

    /// The object, as `oc get` names it.
    pub fn object(self) -> &'static str {
        match self {
            ConditionSource::ClusterOperator => "clusteroperator/image-registry",
            ConditionSource::Config => "configs.imageregistry.operator.openshift.io/cluster",
        }
    }
}

/// The ClusterOperator's and the Config's conditions as one list: the operator copies
/// most of the Config's conditions to its ClusterOperator, so a condition both report
/// alike (type, status, reason and message) is one row naming both sources. Operator
/// first, then the Config's own, each in the order reported.
pub fn merge_conditions(
    operator: &[TimedCondition],
    config: &[TimedCondition],
) -> Vec<(TimedCondition, Vec<ConditionSource>)> {
    let alike = |a: &TimedCondition, b: &TimedCondition| {
        a.kind == b.kind && a.status == b.status && a.reason == b.reason && a.message == b.message
    };
    let mut rows: Vec<(TimedCondition, Vec<ConditionSource>)> = operator
        .iter()
        .map(|c| (c.clone(), vec![ConditionSource::ClusterOperator]))
        .collect();
    for c in config {
        match rows
            .iter_mut()
            .find(|(row, sources)| alike(row, c) && !sources.contains(&ConditionSource::Config))
        {
            Some((_, sources)) => sources.push(ConditionSource::Config),
            None => rows.push((c.clone(), vec![ConditionSource::Config])),
        }
    }
    rows
}

/// The registry's configuration at a glance (never a secret value: storage settings are
/// the Config's, credentials live in a Secret the overview does not read).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrySummary {
    pub management_state: String,
    pub storage: StorageSummary,
    pub replicas: i64,
    pub rollout_strategy: String,
    pub read_only: bool,
    pub default_route: bool,
    /// `spec.routes`: name and configured hostname (empty: generated).
    pub custom_routes: Vec<(String, String)>,
    pub conditions: Vec<TimedCondition>,
}

impl RegistrySummary {
    pub fn removed(&self) -> bool {
        self.management_state == "Removed"
    }
}

/// The registry's Deployment: replicas and rollout progress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentSummary {
    pub name: String,
    pub desired: i64,
    pub ready: i64,
    pub updated: i64,
    pub available: i64,
    pub strategy: String,
    /// The Progressing condition's message ("ReplicaSet … has successfully progressed").
    pub progress: String,
}

/// A row of the pods table (`oc get pods -n openshift-image-registry`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodRow {
    pub name: String,
    pub ready_containers: i64,
    pub containers: Vec<String>,
    pub phase: String,
    pub restarts: i64,
    pub started: Option<String>,
    pub node: String,
    /// The registry container's waiting reason and message (`CrashLoopBackOff`, …).
    #[serde(default)]
    pub waiting_reason: String,
    #[serde(default)]
    pub waiting_message: String,
    /// How its last run ended (`OOMKilled`, `Error`), its exit code and message.
    #[serde(default)]
    pub last_terminated_reason: String,
    #[serde(default)]
    pub last_exit_code: Option<i64>,
    #[serde(default)]
    pub last_terminated_message: String,
}

impl PodRow {
    /// The pod's state in one line, as `oc describe pod` would put it.
    pub fn state_text(&self) -> String {
        let mut text = format!(
            "{} {}/{} ready, {} restarts",
            self.phase,
            self.ready_containers,
            self.containers.len(),
            self.restarts
        );
        if !self.waiting_reason.is_empty() {
            text.push_str(&format!(", waiting: {}", self.waiting_reason));
            if !self.waiting_message.is_empty() {
                text.push_str(&format!(" ({})", self.waiting_message));
            }
        }
        if !self.last_terminated_reason.is_empty() {
            text.push_str(&format!(", last run: {}", self.last_terminated_reason));
            if let Some(code) = self.last_exit_code {
                text.push_str(&format!(" (exit code {code})"));
            }
        }
        text
    }
}

/// An event in the registry's namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    /// `Normal` or `Warning`.
    pub kind: String,
    pub reason: String,
    /// `Pod/image-registry-…`.
    pub object: String,
    pub message: String,
    pub count: i64,
    pub last_seen: Option<String>,
}

/// Warnings first, then the newest; at most `limit`.
pub fn order_events(mut events: Vec<EventRow>, limit: usize) -> Vec<EventRow> {
    events.sort_by(|a, b| {
        (b.kind == "Warning")
            .cmp(&(a.kind == "Warning"))
            .then_with(|| b.last_seen.cmp(&a.last_seen))
    });
    events.truncate(limit);
    events
}

/// A Route in the registry's namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRow {
    pub name: String,
    pub host: String,
    /// TLS termination (`reencrypt`, …), empty without TLS.
    pub termination: String,
}

/// The image pruner's schedule and last result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrunerSummary {
    pub schedule: String,
    pub suspend: bool,
    pub conditions: Vec<TimedCondition>,
    /// When the ImagePruner was created (RFC 3339).
    #[serde(default)]
    pub created: Option<String>,
}

/// Everything the Overview shows, each part on its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverviewView {
    /// When the server put this together (RFC 3339): ages are relative to it.
    pub now: String,
    /// `clusteroperators/image-registry`: `Ok(empty)` when the object has no conditions.
    pub operator: Panel<Vec<TimedCondition>>,
    pub registry: Panel<RegistrySummary>,
    /// `None`: the operator has not created the Deployment (e.g. Removed).
    pub deployment: Panel<Option<DeploymentSummary>>,
    pub pods: Panel<Vec<PodRow>>,
    pub claims: Panel<Vec<ClaimRow>>,
    pub events: Panel<Vec<EventRow>>,
    pub routes: Panel<Vec<RouteRow>>,
    /// `None`: there is no ImagePruner.
    pub pruner: Panel<Option<PrunerSummary>>,
    pub metrics: Panel<MetricsView>,
    /// The doctor's findings over all of it (and what it could not check).
    #[serde(default)]
    pub diagnosis: crate::domain::doctor::Diagnosis,
}

/// Seconds between two RFC 3339 times (`later` − `earlier`), if both parse.
pub fn seconds_between(earlier: &str, later: &str) -> Option<i64> {
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    Some((parse(later)? - parse(earlier)?).whole_seconds())
}

/// An RFC 3339 time as people read it, in UTC and without fractions: to the minute
/// (`2026-11-24 10:03 UTC`, what a page shows) and to the second (its tooltip). `None` for
/// what is not a time (then the text is shown as it came).
pub fn utc_text(at: &str) -> Option<(String, String)> {
    let t = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .ok()?
        .to_offset(time::UtcOffset::UTC);
    let minute = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    );
    Some((
        format!("{minute} UTC"),
        format!("{minute}:{:02} UTC", t.second()),
    ))
}

/// Seconds from `at` (RFC 3339) to `now`: negative for a time still to come.
pub fn seconds_until_now(at: &str, now: time::OffsetDateTime) -> Option<i64> {
    let at =
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).ok()?;
    Some((now - at).whole_seconds())
}

/// An age for people: the largest whole unit (catalogue key of the unit, with plural
/// forms, and the count): `(age.minutes, 4)` for "4 minutes".
pub fn age_parts(seconds: i64) -> (&'static str, i64) {
    let seconds = seconds.max(0);
    match seconds {
        s if s < 60 => ("age.seconds", s),
        s if s < 3_600 => ("age.minutes", s / 60),
        s if s < 86_400 => ("age.hours", s / 3_600),
        s => ("age.days", s / 86_400),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn times_read_in_utc_to_the_minute_without_fractions() {
        assert_eq!(
            utc_text("2026-11-24T19:03:12.345+09:00"),
            Some((
                "2026-11-24 10:03 UTC".into(),
                "2026-11-24 10:03:12 UTC".into()
            ))
        );
        assert_eq!(utc_text("yesterday"), None);
    }

    /// A condition without a transition time (also the headline's tests' fixture).
    pub(crate) fn condition(
        kind: &str,
        status: &str,
        reason: &str,
        message: &str,
    ) -> TimedCondition {
        TimedCondition {
            kind: kind.into(),
            status: status.into(),
            reason: reason.into(),
            message: message.into(),
            last_transition: None,
        }
    }

    #[test]
    fn every_condition_type_and_status_has_an_explanation_in_both_languages() {
        use crate::i18n::{Lang, has_key};
        for kind in EXPLAINED_CONDITIONS.iter().chain(["SomethingNew"].iter()) {
            for status in ["True", "False", "Unknown", ""] {
                let key = explanation_key(kind, status, "");
                for lang in Lang::ALL {
                    assert!(has_key(lang, &key), "{lang:?} lacks {key}");
                }
            }
        }
        assert_eq!(
            explanation_key("Degraded", "True", ""),
            "condition.explain.degraded.true"
        );
        assert_eq!(
            explanation_key("StorageExists", "False", ""),
            "condition.explain.storage_exists.false"
        );
        assert_eq!(
            explanation_key("Foo", "False", ""),
            "condition.explain.other.false"
        );
        assert_eq!(
            explanation_key("Degraded", "Unknown", ""),
            "condition.explain.unknown"
        );
        // Removed: "available" describes the removal, not a serving registry.
        assert_eq!(
            explanation_key("Available", "True", "Removed"),
            "condition.explain.removed_state"
        );
    }

    #[test]
    fn conditions_both_objects_report_alike_are_one_row() {
        let operator = [
            condition("Available", "True", "Ready", "The registry is ready"),
            condition("Degraded", "False", "AsExpected", ""),
        ];
        let config = [
            condition("Available", "True", "Ready", "The registry is ready"),
            condition("Degraded", "True", "Unavailable", "No replicas"),
            condition(
                "StorageExists",
                "True",
                "S3BucketExists",
                "S3 Bucket Exists",
            ),
        ];
        let rows = merge_conditions(&operator, &config);
        let summary: Vec<_> = rows
            .iter()
            .map(|(c, s)| (c.kind.as_str(), c.status.as_str(), s.len()))
            .collect();
        assert_eq!(
            summary,
            [
                ("Available", "True", 2),
                ("Degraded", "False", 1),
                ("Degraded", "True", 1),
                ("StorageExists", "True", 1),
            ]
        );
    }

    #[test]
    fn problems_point_to_the_page_that_fixes_them() {
        let degraded_storage = condition(
            "Degraded",
            "True",
            "StorageNotConfigured",
            "storage backend not configured",
        );
        assert_eq!(fixing_page(&degraded_storage), Some(Page::Storage));
        let degraded_other = condition("Degraded", "True", "Error", "replicas must be positive");
        assert_eq!(fixing_page(&degraded_other), Some(Page::Configuration));
        assert_eq!(
            fixing_page(&condition("Removed", "True", "Removed", "")),
            Some(Page::Storage)
        );
        assert_eq!(
            fixing_page(&condition("StorageExists", "False", "", "")),
            Some(Page::Storage)
        );
        assert_eq!(fixing_page(&condition("Degraded", "False", "", "")), None);
        assert_eq!(
            fixing_page(&condition("Available", "True", "Ready", "")),
            None
        );
        assert!(condition("Progressing", "True", "Error", "x").is_problem());
        assert!(!condition("Progressing", "True", "Rollout", "x").is_problem());
    }

    #[test]
    fn warnings_come_first_then_the_newest() {
        let event = |kind: &str, seen: &str| EventRow {
            kind: kind.into(),
            last_seen: Some(seen.into()),
            ..Default::default()
        };
        let ordered = order_events(
            vec![
                event("Normal", "2026-01-01T00:00:03Z"),
                event("Warning", "2026-01-01T00:00:01Z"),
                event("Normal", "2026-01-01T00:00:02Z"),
                event("Warning", "2026-01-01T00:00:02Z"),
            ],
            3,
        );
        let seen: Vec<_> = ordered
            .iter()
            .map(|e| (e.kind.as_str(), e.last_seen.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            seen,
            [
                ("Warning", "2026-01-01T00:00:02Z"),
                ("Warning", "2026-01-01T00:00:01Z"),
                ("Normal", "2026-01-01T00:00:03Z"),
            ]
        );
    }

    #[test]
    fn ages_use_the_largest_whole_unit() {
        assert_eq!(age_parts(-5), ("age.seconds", 0));
        assert_eq!(age_parts(59), ("age.seconds", 59));
        assert_eq!(age_parts(240), ("age.minutes", 4));
        assert_eq!(age_parts(7_200), ("age.hours", 2));
        assert_eq!(age_parts(200_000), ("age.days", 2));
        assert_eq!(
            seconds_between("2026-01-01T00:00:00Z", "2026-01-01T00:04:00Z"),
            Some(240)
        );
        assert_eq!(seconds_between("nope", "2026-01-01T00:04:00Z"), None);
    }
}
