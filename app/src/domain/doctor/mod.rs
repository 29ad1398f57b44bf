//! The registry doctor: the Overview's signals (conditions, workload, claims, events,
//! routes, trusted CAs, credentials, the registry's own log and metrics) turned into
//! findings, each with what it rests on and the one step that fixes it. Pure: the server
//! gathers the input ([`DoctorInput`]) as the user may read it, the Overview and the
//! `registry-console doctor` command show the result.
//!
//! A finding's words are catalogue keys (`doctor.<class>.title`, `.explain`, `.fix`) with
//! its parameters, so both languages say the same thing; its evidence is the exact text it
//! rests on, as the cluster wrote it.

pub mod catalogue;
pub mod classes;

use crate::domain::ca_trust::TrustedCa;
use crate::domain::certificate::{Expiry, ShownCertificate};
use crate::domain::logs::LogLine;
use crate::domain::overview::{
    DeploymentSummary, EventRow, PodRow, PrunerSummary, RegistrySummary, TimedCondition,
    seconds_between,
};
use crate::domain::page::Page;
use crate::domain::storage::wizard::ClaimRow;
use serde::{Deserialize, Serialize};

pub use classes::{CLASSES, Class, class};

/// How bad a finding is. The order is the order of the Overview's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// The `registry-console doctor` exit code of a worst finding of this severity.
    pub fn exit_code(worst: Option<Severity>) -> u8 {
        match worst {
            Some(Severity::Critical) => 2,
            Some(Severity::Warning) => 1,
            _ => 0,
        }
    }
}

/// What a finding rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Condition,
    Event,
    Log,
    Pod,
    Claim,
    Spec,
    Route,
    TrustedCa,
    Credentials,
    Metric,
}

/// One fact, as the cluster (or the registry) said it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// `configs.imageregistry.operator.openshift.io/cluster`, `Pod/image-registry-…`.
    pub object: String,
    /// The condition (`Degraded=True Unavailable: …`), the event, the log line: verbatim.
    pub text: String,
    /// When it was said (RFC 3339), when known.
    pub at: Option<String>,
}

/// The step that fixes it: the page and form, pre-filled where that is safe (the change
/// still goes through the review), and the `oc` command an admin would run instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub page: Page,
    /// Query parameters the page pre-fills its form from.
    pub prefill: Vec<(String, String)>,
    pub oc: Option<String>,
}

impl Fix {
    /// The link: the page with its pre-filled fields.
    pub fn href(&self) -> String {
        let mut href = self.page.path().to_string();
        for (i, (name, value)) in self.prefill.iter().enumerate() {
            href.push(if i == 0 { '?' } else { '&' });
            href.push_str(&encode(name));
            href.push('=');
            href.push_str(&encode(value));
        }
        href
    }
}

/// Query encoding of a value (letters, digits and `-._~` stay).
fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A console change a finding may have followed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentChange {
    pub change_id: String,
    /// When it was applied (RFC 3339).
    pub at: String,
    pub actor: String,
    /// The objects it wrote (`Config cluster`).
    pub objects: Vec<String>,
}

/// One thing the doctor found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The class (`storage.rwo_replicas`): the catalogue keys and the fix follow from it.
    pub class: String,
    pub severity: Severity,
    /// Values the class's texts name (`{claim}`, `{code}`, `{minutes}`).
    pub params: Vec<(String, String)>,
    pub evidence: Vec<Evidence>,
    pub fix: Option<Fix>,
    /// The console change it began right after, when there is one.
    pub after_change: Option<RecentChange>,
}

impl Finding {
    /// The catalogue key of one of its texts: `title`, `explain` or `fix`.
    pub fn key(&self, part: &str) -> String {
        format!("doctor.{}.{part}", self.class)
    }

    fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.push((name.to_string(), value.into()));
        self
    }

    fn with(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    fn prefill(mut self, name: &str, value: &str) -> Self {
        if let Some(fix) = self.fix.as_mut() {
            fix.prefill.push((name.to_string(), value.to_string()));
        }
        self
    }

    fn oc(mut self, command: String) -> Self {
        if let Some(fix) = self.fix.as_mut() {
            fix.oc = Some(command);
        }
        self
    }
}

/// A finding of `class` (which must be in [`CLASSES`]) with its class's severity and page.
pub fn finding(class_id: &str) -> Finding {
    let class = class(class_id);
    Finding {
        class: class_id.to_string(),
        severity: class.map_or(Severity::Warning, |c| c.severity),
        params: Vec::new(),
        evidence: Vec::new(),
        fix: class.and_then(|c| c.page).map(|page| Fix {
            page,
            prefill: Vec::new(),
            oc: None,
        }),
        after_change: None,
    }
}

/// The settings the doctor's metric findings use (`doctor.*` in the console's settings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Share of the registry's answers that may be 5xx, in percent.
    pub error_percent: f64,
    /// The slowest p99 answer time allowed, in seconds.
    pub p99_seconds: f64,
    /// A problem that began this soon after a console change is said to follow it.
    pub change_window_seconds: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            error_percent: 1.0,
            p99_seconds: 2.0,
            change_window_seconds: 600,
        }
    }
}

/// The operator waits this long with Available not True before it says Degraded
/// (`unavailableDegradedInertia`, pkg/operator/status.go:24).
pub const DEGRADED_INERTIA_SECONDS: i64 = 300;

/// The pruner should have succeeded within this long.
pub const PRUNER_SUCCESS_WITHIN_SECONDS: i64 = 48 * 3600;

/// Everything the doctor looks at; `None` for a part the user may not read (or that is
/// missing), which the doctor then says it did not check.
#[derive(Clone, Debug, Default)]
pub struct DoctorInput<'a> {
    pub now: &'a str,
    pub platform: Option<&'a str>,
    pub registry: Option<&'a RegistrySummary>,
    pub operator: Option<&'a [TimedCondition]>,
    pub deployment: Option<Option<&'a DeploymentSummary>>,
    pub pods: Option<&'a [PodRow]>,
    pub claims: Option<&'a [ClaimRow]>,
    pub events: Option<&'a [EventRow]>,
    pub routes: Option<&'a [RouteCheck]>,
    pub trusted_cas: Option<&'a [TrustedCa]>,
    /// The credentials Secret's key names (`Some(None)`: there is no Secret).
    pub credential_keys: Option<Option<&'a [String]>>,
    pub pruner: Option<Option<&'a PrunerSummary>>,
    /// When the pruner last succeeded (`Some(None)`: never, as far as its Jobs tell).
    pub pruner_last_success: Option<Option<&'a str>>,
    /// The registry's recent log lines that say error, per pod.
    pub log_errors: Option<&'a [PodLogLine]>,
    pub metrics: Option<MetricFacts>,
    pub changes: &'a [RecentChange],
    pub thresholds: Thresholds,
    /// The parts that could not be read, and why (the diagnosis repeats them).
    pub unchecked: Vec<Unchecked>,
}

/// A route as the doctor checks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteCheck {
    pub name: String,
    pub host: String,
    /// Its own serving certificate, when the Route carries one.
    pub certificate: Option<ShownCertificate>,
}

/// A line of a registry pod's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodLogLine {
    pub pod: String,
    pub line: LogLine,
}

/// What the metrics window says.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MetricFacts {
    /// Share of 5xx answers over the window, in percent (`None`: no requests).
    pub error_percent: Option<f64>,
    /// The slowest method's p99 in the newest sample, in seconds.
    pub p99_seconds: Option<f64>,
    /// The window's length in seconds.
    pub window_seconds: u64,
}

/// What the doctor could not look at, and why (a missing permission, an unreadable part).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unchecked {
    /// Catalogue key of the part (`doctor.part.pods`).
    pub part: String,
    /// Why, as the API server or the console said it; with `forbidden`, the permission the
    /// reader lacks.
    pub why: String,
    #[serde(default)]
    pub forbidden: bool,
}

/// The doctor's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Worst first, then in the order found.
    pub findings: Vec<Finding>,
    pub unchecked: Vec<Unchecked>,
    /// The reader may change the registry: fixes are links and commands, not requests to
    /// an admin.
    #[serde(default)]
    pub may_change: bool,
    /// The doctor ran (`doctor.enabled`); the Overview shows nothing of it otherwise.
    #[serde(default)]
    pub enabled: bool,
}

impl Diagnosis {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).min()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

const CONFIG: &str = "configs.imageregistry.operator.openshift.io/cluster";
const OPERATOR: &str = "clusteroperators.config.openshift.io/image-registry";
const PRUNER: &str = "imagepruners.imageregistry.operator.openshift.io/cluster";

fn condition_text(c: &TimedCondition) -> String {
    let mut text = format!("{}={}", c.kind, c.status);
    if !c.reason.is_empty() {
        text.push(' ');
        text.push_str(&c.reason);
    }
    if !c.message.is_empty() {
        text.push_str(": ");
        text.push_str(&c.message);
    }
    text
}

fn condition_evidence(object: &str, c: &TimedCondition) -> Evidence {
    Evidence {
        kind: EvidenceKind::Condition,
        object: object.to_string(),
        text: condition_text(c),
        at: c.last_transition.clone(),
    }
}

/// The findings for `input`.
pub fn diagnose(input: &DoctorInput) -> Diagnosis {
    let mut found: Vec<Finding> = Vec::new();
    conditions(input, &mut found);
    state_and_storage(input, &mut found);
    pods(input, &mut found);
    claims(input, &mut found);
    logs(input, &mut found);
    routes_and_cas(input, &mut found);
    pruner(input, &mut found);
    metrics(input, &mut found);
    inertia(input, &mut found);

    // One finding per class and subject: the Config's and the ClusterOperator's copies of a
    // condition are one problem with two pieces of evidence.
    let mut merged: Vec<Finding> = Vec::new();
    for f in found {
        match merged
            .iter_mut()
            .find(|m| m.class == f.class && m.params == f.params)
        {
            Some(m) => {
                for e in f.evidence {
                    if !m.evidence.contains(&e) {
                        m.evidence.push(e);
                    }
                }
            }
            None => merged.push(f),
        }
    }
    for f in &mut merged {
        f.after_change = after_change(input, f);
    }
    // Worst first; within a severity, what the workload shows after its causes.
    merged.sort_by_key(|f| (f.severity, f.class.starts_with("workload.")));
    Diagnosis {
        findings: merged,
        unchecked: input.unchecked.clone(),
        may_change: false,
        enabled: true,
    }
}

/// The findings the Config's and the ClusterOperator's conditions are evidence of.
fn conditions(input: &DoctorInput, found: &mut Vec<Finding>) {
    let seen = |object: &str, c: &TimedCondition, found: &mut Vec<Finding>| {
        let (class, known) = catalogue::classify(&c.kind, &c.status, &c.reason, &c.message);
        let Some(class) = class else {
            return;
        };
        let mut f = finding(class).with(condition_evidence(object, c));
        if !known {
            f = f
                .param("type", c.kind.clone())
                .param("message", condition_text(c));
        }
        found.push(f);
    };
    if let Some(registry) = input.registry {
        for c in &registry.conditions {
            seen(CONFIG, c, found);
        }
    }
    if let Some(operator) = input.operator {
        // The rolled-up conditions: one `Type: message` line per condition they joined.
        for c in operator {
            if !matches!(c.kind.as_str(), "Available" | "Progressing" | "Degraded") {
                continue;
            }
            let lines: Vec<&str> = c.message.lines().collect();
            let mut joined: Vec<(String, String)> = Vec::new();
            for line in lines {
                match line.split_once(": ") {
                    Some((kind, text)) if !kind.contains(' ') && !line.starts_with('\t') => {
                        joined.push((kind.to_string(), text.to_string()))
                    }
                    // A continuation (`\tstatus code: …`) of the line before.
                    _ => {
                        if let Some(last) = joined.last_mut() {
                            last.1.push('\n');
                            last.1.push_str(line);
                        }
                    }
                }
            }
            if joined.is_empty() && c.message.is_empty() {
                continue;
            }
            for (kind, text) in joined {
                // The line's own reason is not in the roll-up; the status of the line is the
                // rolled-up one only for the condition of the same type.
                let status = if kind == c.kind {
                    c.status.clone()
                } else {
                    "*".into()
                };
                let line = TimedCondition {
                    kind,
                    status,
                    reason: c.reason.clone(),
                    message: text,
                    last_transition: c.last_transition.clone(),
                };
                let known = catalogue::TEMPLATES.iter().find(|t| {
                    t.types.contains(&line.kind.as_str())
                        && (line.status == "*" || t.status == "*" || t.status == line.status)
                        && catalogue::matches(t.message, &line.message)
                });
                let class = match known.map(|t| t.meaning) {
                    Some(catalogue::Meaning::Healthy) => None,
                    Some(catalogue::Meaning::Finding(class)) => Some(class),
                    Some(catalogue::Meaning::Wraps(outer)) => known
                        .and_then(|t| catalogue::wrapped(t.message, &line.message))
                        .map_or(Some(outer), |inner| {
                            catalogue::classify_error(inner, outer).0
                        }),
                    None => Some("condition.unknown"),
                };
                if let Some(class) = class {
                    let evidence = Evidence {
                        kind: EvidenceKind::Condition,
                        object: OPERATOR.to_string(),
                        text: format!(
                            "{}={} {}: {}: {}",
                            c.kind, c.status, c.reason, line.kind, line.message
                        ),
                        at: c.last_transition.clone(),
                    };
                    let mut f = finding(class).with(evidence);
                    if known.is_none() {
                        f = f
                            .param("type", line.kind.clone())
                            .param("message", line.message.clone());
                    }
                    found.push(f);
                }
            }
        }
    }
    if let Some(Some(pruner)) = input.pruner {
        for c in &pruner.conditions {
            let (class, known) = catalogue::classify(&c.kind, &c.status, &c.reason, &c.message);
            if let Some(class) = class {
                let mut f = finding(class).with(condition_evidence(PRUNER, c));
                if !known {
                    f = f
                        .param("type", c.kind.clone())
                        .param("message", condition_text(c));
                }
                found.push(f);
            }
        }
    }
    // The fixes that can be pre-filled, and the oc commands.
    for f in found.iter_mut() {
        let patch = |spec: &str| {
            format!(
                "oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{{\"spec\":{spec}}}'"
            )
        };
        let replaced = match f.class.as_str() {
            "storage.rwo_replicas" => Some(
                f.clone()
                    .prefill("spec.replicas", "1")
                    .oc(patch("{\"replicas\":1}")),
            ),
            "storage.rwo_rolling" => Some(
                f.clone()
                    .prefill("spec.rolloutStrategy", "Recreate")
                    .oc(patch("{\"rolloutStrategy\":\"Recreate\"}")),
            ),
            "state.unmanaged" => Some(
                f.clone()
                    .prefill("spec.managementState", "Managed")
                    .oc(patch("{\"managementState\":\"Managed\"}")),
            ),
            "pruner.suspended" => Some(f.clone().prefill("spec.suspend", "false").oc(
                "oc patch imagepruners.imageregistry.operator.openshift.io cluster --type merge -p '{\"spec\":{\"suspend\":false}}'".to_string(),
            )),
            _ => None,
        };
        if let Some(r) = replaced {
            *f = r;
        }
    }
}

/// Facts of the spec the conditions do not state.
fn state_and_storage(input: &DoctorInput, found: &mut Vec<Finding>) {
    let Some(registry) = input.registry else {
        return;
    };
    let spec = |text: String| Evidence {
        kind: EvidenceKind::Spec,
        object: CONFIG.to_string(),
        text,
        at: None,
    };
    let managed = registry.management_state == "Managed";
    let storage = registry.storage.kind.as_deref();
    if managed && storage == Some("emptyDir") {
        if registry.replicas > 1 {
            found.push(
                finding("emptydir.replicas")
                    .param("replicas", registry.replicas.to_string())
                    .with(spec(format!(
                        "spec.storage.emptyDir: {{}}, spec.replicas: {}",
                        registry.replicas
                    )))
                    .prefill("spec.replicas", "1"),
            );
        }
        found.push(finding("emptydir.ephemeral").with(spec("spec.storage.emptyDir: {}".into())));
    }
    if managed
        && storage.is_none()
        && !registry
            .conditions
            .iter()
            .any(|c| c.reason == "StorageNotConfigured")
    {
        found.push(finding("storage.not_configured").with(spec(format!(
            "spec.managementState: Managed, no spec.storage (platform {})",
            input.platform.unwrap_or("unknown")
        ))));
    }
    // The credentials Secret against the storage it is for.
    if let (Some(Some(keys)), Some(kind)) = (input.credential_keys, storage) {
        let wanted: &[&str] = match kind {
            "s3" => &[
                "REGISTRY_STORAGE_S3_ACCESSKEY",
                "REGISTRY_STORAGE_S3_SECRETKEY",
            ],
            "azure" => &["REGISTRY_STORAGE_AZURE_ACCOUNTKEY"],
            "gcs" => &["REGISTRY_STORAGE_GCS_KEYFILE"],
            _ => &[],
        };
        let missing: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|w| !keys.iter().any(|k| k == w))
            .collect();
        let prefix = format!("REGISTRY_STORAGE_{}_", kind.to_ascii_uppercase());
        let others: Vec<&String> = keys
            .iter()
            .filter(|k| k.starts_with("REGISTRY_STORAGE_") && !k.starts_with(&prefix))
            .collect();
        if (!missing.is_empty() && !wanted.is_empty()) || !others.is_empty() {
            found.push(
                finding("credentials.mismatch")
                    .param("storage", kind)
                    .param(
                        "missing",
                        if missing.is_empty() {
                            "-".to_string()
                        } else {
                            missing.join(", ")
                        },
                    )
                    .param(
                        "others",
                        if others.is_empty() {
                            "-".to_string()
                        } else {
                            others
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    )
                    .with(Evidence {
                        kind: EvidenceKind::Credentials,
                        object: "Secret/image-registry-private-configuration-user".into(),
                        text: format!("keys: {}", keys.join(", ")),
                        at: None,
                    }),
            );
        }
    }
}

fn pod_object(pod: &PodRow) -> String {
    format!("Pod/{}", pod.name)
}

/// The newest event about `object` with one of `reasons`.
fn event<'a>(input: &'a DoctorInput, object: &str, reasons: &[&str]) -> Option<&'a EventRow> {
    input
        .events?
        .iter()
        .filter(|e| e.object == object && reasons.contains(&e.reason.as_str()))
        .max_by(|a, b| a.last_seen.cmp(&b.last_seen))
}

fn event_evidence(e: &EventRow) -> Evidence {
    Evidence {
        kind: EvidenceKind::Event,
        object: e.object.clone(),
        text: format!("{} {}: {}", e.kind, e.reason, e.message),
        at: e.last_seen.clone(),
    }
}

/// The pods' own states.
fn pods(input: &DoctorInput, found: &mut Vec<Finding>) {
    let Some(pods) = input.pods else {
        return;
    };
    for pod in pods {
        let object = pod_object(pod);
        let state = Evidence {
            kind: EvidenceKind::Pod,
            object: object.clone(),
            text: pod.state_text(),
            at: pod.started.clone(),
        };
        let last_line = || {
            input
                .log_errors
                .and_then(|lines| lines.iter().rev().find(|l| l.pod == pod.name))
                .map(|l| l.line.text.clone())
                .or_else(|| Some(pod.last_terminated_message.clone()).filter(|m| !m.is_empty()))
        };
        if pod.last_terminated_reason == "OOMKilled" {
            found.push(
                finding("pod.oom_killed")
                    .param("pod", pod.name.clone())
                    .with(state.clone()),
            );
        }
        match pod.waiting_reason.as_str() {
            "CrashLoopBackOff" => {
                let mut f = finding("pod.crash_loop")
                    .param("pod", pod.name.clone())
                    .param("restarts", pod.restarts.to_string())
                    .with(state.clone());
                if let Some(line) = last_line() {
                    f = f.with(Evidence {
                        kind: EvidenceKind::Log,
                        object: object.clone(),
                        text: line,
                        at: None,
                    });
                }
                found.push(f);
                continue;
            }
            "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
                found.push(
                    finding("pod.image_pull")
                        .param("pod", pod.name.clone())
                        .with(state.clone()),
                );
                continue;
            }
            _ => {}
        }
        if pod.phase == "Pending" {
            let scheduling = event(
                input,
                &object,
                &["FailedScheduling", "FailedMount", "FailedAttachVolume"],
            );
            let mut f = finding("pod.pending")
                .param("pod", pod.name.clone())
                .with(state.clone());
            if let Some(e) = scheduling {
                f = f.with(event_evidence(e));
            }
            found.push(f);
            continue;
        }
        if pod.phase == "Running" && pod.ready_containers == 0 {
            let mut f = finding("pod.probe_failing")
                .param("pod", pod.name.clone())
                .with(state.clone());
            if let Some(e) = event(input, &object, &["Unhealthy"]) {
                f = f.with(event_evidence(e));
            }
            found.push(f);
        }
    }
}

/// The claims of the registry's namespace, where the registry uses them.
fn claims(input: &DoctorInput, found: &mut Vec<Finding>) {
    let (Some(claims), Some(registry)) = (input.claims, input.registry) else {
        return;
    };
    if registry.storage.kind.as_deref() != Some("pvc") || registry.management_state != "Managed" {
        return;
    }
    let used = registry
        .storage
        .details
        .iter()
        .find(|(k, _)| k == "claim")
        .map_or("image-registry-storage".to_string(), |(_, v)| v.clone());
    let Some(claim) = claims.iter().find(|c| c.name == used) else {
        return;
    };
    let object = format!("PersistentVolumeClaim/{}", claim.name);
    let evidence = Evidence {
        kind: EvidenceKind::Claim,
        object: object.clone(),
        text: format!(
            "{} {} {} {}",
            claim.name,
            claim.phase,
            claim.access_modes.join(","),
            claim.storage_class
        ),
        at: None,
    };
    let class = if claim.deleting {
        Some("claim.deleting")
    } else {
        match claim.phase.as_str() {
            "Pending" => Some("claim.pending"),
            "Lost" => Some("claim.lost"),
            _ => None,
        }
    };
    if let Some(class) = class {
        let mut f = finding(class)
            .param("claim", claim.name.clone())
            .param(
                "class",
                if claim.storage_class.is_empty() {
                    "-".into()
                } else {
                    claim.storage_class.clone()
                },
            )
            .with(evidence);
        if let Some(e) = event(
            input,
            &object,
            &[
                "ProvisioningFailed",
                "FailedBinding",
                "ExternalProvisioning",
            ],
        ) {
            f = f.with(event_evidence(e));
        }
        found.push(f);
    }
}

/// Error lines of the registry's log it knows the meaning of.
fn logs(input: &DoctorInput, found: &mut Vec<Finding>) {
    let Some(lines) = input.log_errors else {
        return;
    };
    const KNOWN: &[(&str, &str)] = &[
        ("InvalidAccessKeyId", "log.s3_credentials"),
        ("SignatureDoesNotMatch", "log.s3_credentials"),
        ("NoSuchBucket", "log.s3_no_bucket"),
        ("x509: certificate signed by unknown authority", "log.x509"),
        ("permission denied", "log.permission_denied"),
        ("no space left on device", "log.no_space"),
        ("read-only file system", "log.read_only_fs"),
    ];
    for (needle, class) in KNOWN {
        // The newest line of each kind.
        if let Some(line) = lines.iter().rev().find(|l| l.line.text.contains(needle)) {
            found.push(
                finding(class)
                    .param("error", (*needle).to_string())
                    .with(Evidence {
                        kind: EvidenceKind::Log,
                        object: format!("Pod/{}", line.pod),
                        text: line.line.text.clone(),
                        at: Some(line.line.at.clone()).filter(|a| !a.is_empty()),
                    }),
            );
        }
    }
}

/// The routes' certificates and the trusted CAs.
fn routes_and_cas(input: &DoctorInput, found: &mut Vec<Finding>) {
    for route in input.routes.unwrap_or_default() {
        let Some(cert) = &route.certificate else {
            continue;
        };
        let object = format!("Route/{}", route.name);
        let evidence = Evidence {
            kind: EvidenceKind::Route,
            object,
            text: format!(
                "{}: {} (not after {}, names {})",
                route.host,
                cert.info.subject,
                cert.info.not_after,
                cert.info.dns_names.join(", ")
            ),
            at: None,
        };
        let base = |class: &str| {
            finding(class)
                .param("route", route.name.clone())
                .param("host", route.host.clone())
                .param("days", cert.days_left.to_string())
                .with(evidence.clone())
        };
        match cert.expiry() {
            Expiry::Expired => found.push(base("route.cert_expired")),
            Expiry::Soon => found.push(base("route.cert_expiring")),
            _ => {}
        }
        if !covers(&cert.info.dns_names, &route.host) {
            found.push(base("route.cert_host"));
        }
    }
    for ca in input.trusted_cas.unwrap_or_default() {
        let object = "ConfigMap (image.config.openshift.io spec.additionalTrustedCA)".to_string();
        if let Some(fixed) = port_key_meant(&ca.key) {
            found.push(
                finding("ca.key_port")
                    .param("key", ca.key.clone())
                    .param("fixed", fixed)
                    .with(Evidence {
                        kind: EvidenceKind::TrustedCa,
                        object: object.clone(),
                        text: ca.key.clone(),
                        at: None,
                    }),
            );
        }
        if let Ok(certs) = &ca.certificates {
            for cert in certs.iter().filter(|c| c.expiry() == Expiry::Expired) {
                found.push(
                    finding("ca.expired")
                        .param("key", ca.key.clone())
                        .with(Evidence {
                            kind: EvidenceKind::TrustedCa,
                            object: object.clone(),
                            text: format!(
                                "{}: {} (not after {})",
                                ca.key, cert.info.subject, cert.info.not_after
                            ),
                            at: None,
                        }),
                );
            }
        }
    }
}

/// A trusted-CA key that names a port with one dot (`registry.example.com.5000`): the key
/// it was meant to be (`registry.example.com..5000`). A colon, the other common slip, never
/// gets this far: ConfigMap keys may not hold one (the API server refuses it).
pub fn port_key_meant(key: &str) -> Option<String> {
    if key.contains("..") {
        return None;
    }
    let (host, port) = key.rsplit_once('.')?;
    (!host.is_empty()
        && !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit()))
    .then(|| format!("{host}..{port}"))
}

/// Whether a certificate's DNS names cover `host` (one `*.` label at the left at most).
pub fn covers(names: &[String], host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    names.iter().any(|name| {
        let name = name.to_ascii_lowercase();
        match name.strip_prefix("*.") {
            Some(rest) => host
                .split_once('.')
                .is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
            None => name == host,
        }
    })
}

fn pruner(input: &DoctorInput, found: &mut Vec<Finding>) {
    let Some(Some(pruner)) = input.pruner else {
        return;
    };
    if pruner.suspend {
        return;
    }
    if let Some(last) = input.pruner_last_success {
        let late = match last {
            None => true,
            Some(at) => {
                seconds_between(at, input.now).is_some_and(|s| s > PRUNER_SUCCESS_WITHIN_SECONDS)
            }
        };
        if late {
            found.push(
                finding("pruner.no_recent_success")
                    .param("last", last.unwrap_or("-").to_string())
                    .with(Evidence {
                        kind: EvidenceKind::Spec,
                        object: PRUNER.to_string(),
                        text: format!(
                            "schedule {}, last success {}",
                            pruner.schedule,
                            last.unwrap_or("never")
                        ),
                        at: last.map(str::to_string),
                    }),
            );
        }
    }
}

fn metrics(input: &DoctorInput, found: &mut Vec<Finding>) {
    let Some(m) = input.metrics else {
        return;
    };
    let t = input.thresholds;
    let evidence = |text: String| Evidence {
        kind: EvidenceKind::Metric,
        object: "/extensions/v2/metrics".into(),
        text,
        at: Some(input.now.to_string()),
    };
    if let Some(share) = m.error_percent
        && share > t.error_percent
    {
        found.push(
            finding("metrics.errors")
                .param("percent", format!("{share:.1}"))
                .param("limit", format!("{}", t.error_percent))
                .param("minutes", (m.window_seconds / 60).max(1).to_string())
                .with(evidence(format!(
                    "imageregistry_http_requests_total: {share:.1} % 5xx over {} s",
                    m.window_seconds
                ))),
        );
    }
    if let Some(p99) = m.p99_seconds
        && p99 > t.p99_seconds
    {
        found.push(
            finding("metrics.slow")
                .param("seconds", format!("{p99:.2}"))
                .param("limit", format!("{}", t.p99_seconds))
                .with(evidence(format!(
                    "imageregistry_http_request_duration_seconds p99: {p99:.2} s"
                ))),
        );
    }
}

/// While Available is not True, the operator counts five minutes before it says
/// Degraded: say how long is left.
fn inertia(input: &DoctorInput, found: &mut Vec<Finding>) {
    let Some(registry) = input.registry else {
        return;
    };
    if registry.management_state != "Managed" {
        return;
    }
    let available = registry.conditions.iter().find(|c| c.kind == "Available");
    let degraded = registry.conditions.iter().find(|c| c.kind == "Degraded");
    let (Some(available), Some(degraded)) = (available, degraded) else {
        return;
    };
    if available.status == "True" || degraded.status == "True" {
        return;
    }
    let Some(since) = available
        .last_transition
        .as_deref()
        .and_then(|t| seconds_between(t, input.now))
    else {
        return;
    };
    let left = DEGRADED_INERTIA_SECONDS - since;
    if left > 0 {
        found.push(
            finding("workload.degraded_soon")
                .param("minutes", ((left + 59) / 60).to_string())
                .with(condition_evidence(CONFIG, available)),
        );
    }
}

/// The console change a finding began right after: the newest change applied before its
/// first evidence, within the window.
fn after_change(input: &DoctorInput, f: &Finding) -> Option<RecentChange> {
    if f.severity == Severity::Info {
        return None;
    }
    let began = f.evidence.iter().filter_map(|e| e.at.as_deref()).min()?;
    input
        .changes
        .iter()
        .filter(|c| {
            seconds_between(&c.at, began)
                .is_some_and(|s| (0..=input.thresholds.change_window_seconds).contains(&s))
        })
        .max_by(|a, b| a.at.cmp(&b.at))
        .cloned()
}

#[cfg(test)]
mod tests;
