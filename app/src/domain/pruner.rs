//! The Pruner page's rules (SPEC §6; guide 2.1–2.2): the
//! `imagepruners.imageregistry.operator.openshift.io/cluster` spec as a form, how an edit
//! becomes a new spec (only the fields the user changed are written, onto the spec as it
//! is), what `--prune-registry` is under each management state, and the last runs.
//!
//! The schedule is checked, and its next runs computed, on the server (a cron crate);
//! the schema of the CRD is checked by the change pipeline.

use crate::domain::conditions::ConditionView;
use crate::domain::form_draft::FormDraft;
use crate::domain::registry_config::form::{
    AdvancedEdit, SeenConfig, apply_advanced, integer_value, put, string_value,
};
use crate::domain::violation::Violation;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const FORM_PRUNER: &str = "pruner";
/// The Advanced editor's keys on the pruner (the pod's scheduling and resources).
pub const PRUNER_ADVANCED_KEYS: [&str; 4] =
    ["nodeSelector", "tolerations", "affinity", "resources"];

pub const FIELD_SCHEDULE: &str = "spec.schedule";
pub const FIELD_SUSPEND: &str = "spec.suspend";
pub const FIELD_KEEP_TAGS: &str = "spec.keepTagRevisions";
pub const FIELD_KEEP_YOUNGER: &str = "spec.keepYoungerThanDuration";
pub const FIELD_SUCCESS_LIMIT: &str = "spec.successfulJobsHistoryLimit";
pub const FIELD_FAILED_LIMIT: &str = "spec.failedJobsHistoryLimit";
pub const FIELD_IGNORE_INVALID: &str = "spec.ignoreInvalidImageReferences";
pub const FIELD_LOG_LEVEL: &str = "spec.logLevel";
pub const FIELD_ADVANCED: &str = "advanced";
pub const FIELD_ORIGINAL: &str = "original";

/// The pruner's settings as text the user edits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrunerForm {
    pub schedule: String,
    pub suspend: bool,
    pub keep_tag_revisions: String,
    pub keep_younger_than_duration: String,
    pub successful_jobs_history_limit: String,
    pub failed_jobs_history_limit: String,
    pub ignore_invalid_image_references: bool,
    pub log_level: String,
    pub advanced_yaml: String,
}

fn text(spec: &Value, key: &str) -> String {
    match spec.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

pub fn form_from_spec(spec: &Value, advanced_yaml: String) -> PrunerForm {
    let flag = |key: &str| spec.get(key).and_then(Value::as_bool).unwrap_or(false);
    PrunerForm {
        schedule: text(spec, "schedule"),
        suspend: flag("suspend"),
        keep_tag_revisions: text(spec, "keepTagRevisions"),
        keep_younger_than_duration: text(spec, "keepYoungerThanDuration"),
        successful_jobs_history_limit: text(spec, "successfulJobsHistoryLimit"),
        failed_jobs_history_limit: text(spec, "failedJobsHistoryLimit"),
        ignore_invalid_image_references: flag("ignoreInvalidImageReferences"),
        log_level: text(spec, "logLevel"),
        advanced_yaml,
    }
}

/// The form a draft of the page holds (checkboxes only when checked).
pub fn form_from_draft(draft: &FormDraft) -> PrunerForm {
    let raw = |name: &str| draft.fields.get(name).cloned().unwrap_or_default();
    PrunerForm {
        schedule: raw(FIELD_SCHEDULE),
        suspend: draft.flag(FIELD_SUSPEND),
        keep_tag_revisions: raw(FIELD_KEEP_TAGS),
        keep_younger_than_duration: raw(FIELD_KEEP_YOUNGER),
        successful_jobs_history_limit: raw(FIELD_SUCCESS_LIMIT),
        failed_jobs_history_limit: raw(FIELD_FAILED_LIMIT),
        ignore_invalid_image_references: draft.flag(FIELD_IGNORE_INVALID),
        log_level: raw(FIELD_LOG_LEVEL),
        advanced_yaml: raw(FIELD_ADVANCED),
    }
}

/// The form as the page's inputs hold it.
pub fn form_fields(form: &PrunerForm) -> Vec<(String, String)> {
    let mut out = vec![
        (FIELD_SCHEDULE.to_string(), form.schedule.clone()),
        (FIELD_KEEP_TAGS.into(), form.keep_tag_revisions.clone()),
        (
            FIELD_KEEP_YOUNGER.into(),
            form.keep_younger_than_duration.clone(),
        ),
        (
            FIELD_SUCCESS_LIMIT.into(),
            form.successful_jobs_history_limit.clone(),
        ),
        (
            FIELD_FAILED_LIMIT.into(),
            form.failed_jobs_history_limit.clone(),
        ),
        (FIELD_LOG_LEVEL.into(), form.log_level.clone()),
        (FIELD_ADVANCED.into(), form.advanced_yaml.clone()),
    ];
    for (name, on) in [
        (FIELD_SUSPEND, form.suspend),
        (FIELD_IGNORE_INVALID, form.ignore_invalid_image_references),
    ] {
        if on {
            out.push((name.to_string(), "on".into()));
        }
    }
    out
}

/// A decoded draft: the pruner it is based on, the form as shown (from the `original`
/// spec) and as the user left it.
#[derive(Clone, Debug, PartialEq)]
pub struct PrunerSubmission {
    pub base: SeenConfig,
    pub original: PrunerForm,
    pub edited: PrunerForm,
}

pub fn read_submission(
    draft: &FormDraft,
    render_advanced: impl Fn(&Value) -> String,
) -> Result<PrunerSubmission, Vec<Violation>> {
    if draft.form != FORM_PRUNER {
        return Err(vec![
            Violation::error("form", "form.unknown_form").with("value", &draft.form),
        ]);
    }
    let base: SeenConfig = serde_json::from_str(&draft.text("base"))
        .map_err(|_| vec![Violation::error("base", "form.base")])?;
    let shown: Value = serde_json::from_str(&draft.text(FIELD_ORIGINAL))
        .map_err(|_| vec![Violation::error(FIELD_ORIGINAL, "form.base")])?;
    Ok(PrunerSubmission {
        base,
        original: form_from_spec(&shown, render_advanced(&shown)),
        edited: form_from_draft(draft),
    })
}

/// Writes the fields the user changed onto `spec` (the pruner as it is now). Numbers are
/// checked here (named by field); the duration and the rest by the CRD schema and the
/// server.
pub fn apply_pruner_form(
    spec: &mut Value,
    original: &PrunerForm,
    edited: &PrunerForm,
    advanced: &AdvancedEdit,
) -> Vec<Violation> {
    let mut out = Vec::new();
    if !spec.is_object() {
        *spec = Value::Object(Map::new());
    }
    let Some(map) = spec.as_object_mut() else {
        return out;
    };
    for (key, before, after) in [
        ("schedule", &original.schedule, &edited.schedule),
        (
            "keepYoungerThanDuration",
            &original.keep_younger_than_duration,
            &edited.keep_younger_than_duration,
        ),
        ("logLevel", &original.log_level, &edited.log_level),
    ] {
        if before != after {
            put(map, key, string_value(after));
        }
    }
    for (key, before, after) in [
        (
            "keepTagRevisions",
            &original.keep_tag_revisions,
            &edited.keep_tag_revisions,
        ),
        (
            "successfulJobsHistoryLimit",
            &original.successful_jobs_history_limit,
            &edited.successful_jobs_history_limit,
        ),
        (
            "failedJobsHistoryLimit",
            &original.failed_jobs_history_limit,
            &edited.failed_jobs_history_limit,
        ),
    ] {
        if before != after {
            let value = integer_value(after, &format!("spec.{key}"), &mut out);
            if let Some(n) = value.as_ref().and_then(Value::as_i64)
                && n < 0
            {
                out.push(
                    Violation::error(&format!("spec.{key}"), "rule.non_negative").with("value", n),
                );
            }
            put(map, key, value);
        }
    }
    for (key, before, after) in [
        ("suspend", original.suspend, edited.suspend),
        (
            "ignoreInvalidImageReferences",
            original.ignore_invalid_image_references,
            edited.ignore_invalid_image_references,
        ),
    ] {
        if before != after {
            put(map, key, Some(Value::Bool(after)));
        }
    }
    if original.keep_younger_than_duration != edited.keep_younger_than_duration {
        out.extend(keep_younger_rules(&edited.keep_younger_than_duration));
    }
    out.extend(apply_advanced(map, advanced, &PRUNER_ADVANCED_KEYS));
    out
}

/// `keepYoungerThanDuration` as the pruner reads it (a Go duration): longer than zero (a
/// negative or zero age keeps no young image at all, which nobody means), and a warning
/// above a year (`99999999h` is about 11,000 years: nothing would ever be pruned). Other
/// forms the API server accepts (`3 days`) are left to the schema.
pub fn keep_younger_rules(text: &str) -> Vec<Violation> {
    const YEAR_NANOS: i128 = 365 * 24 * 3600 * 1_000_000_000;
    let text = text.trim();
    let duration = match crate::domain::duration::parse_go(text) {
        Ok(duration) => duration,
        // The API server takes it (its own parser has no limit), the pruner's cannot.
        Err(crate::domain::duration::DurationError::Overflow) => {
            return vec![
                Violation::error(FIELD_KEEP_YOUNGER, "rule.pruner.duration_overflow")
                    .with("value", text),
            ];
        }
        Err(_) => return Vec::new(),
    };
    if duration.nanos <= 0 {
        return vec![
            Violation::error(FIELD_KEEP_YOUNGER, "rule.pruner.duration_not_positive")
                .with("value", text),
        ];
    }
    let nanos = i128::from(duration.nanos);
    if nanos > YEAR_NANOS {
        let years = nanos / YEAR_NANOS;
        return vec![
            Violation::warning(FIELD_KEEP_YOUNGER, "rule.pruner.duration_over_a_year")
                .with("value", text)
                .with("years", years),
        ];
    }
    Vec::new()
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunOutcome {
    Succeeded,
    Failed,
    Running,
}

/// One run of the pruner: a Job of the `image-pruner` CronJob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrunerRun {
    pub job: String,
    /// RFC 3339.
    pub started: String,
    pub duration_seconds: Option<i64>,
    pub outcome: RunOutcome,
    /// A failed run's last log lines (or why they cannot be read).
    pub log_tail: Option<Result<String, String>>,
}

/// What the Pruner page shows, read as the signed-in user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrunerView {
    pub base: SeenConfig,
    pub form: PrunerForm,
    pub conditions: Vec<ConditionView>,
    /// The next three runs (RFC 3339, UTC), or what is wrong with the schedule.
    pub next_runs: Result<Vec<String>, Violation>,
    /// The registry's managementState (for `--prune-registry`), or why it is unknown.
    pub management_state: Result<String, String>,
    /// Newest first.
    pub runs: Result<Vec<PrunerRun>, String>,
    pub update_denied: Option<String>,
}

/// What `--prune-registry` is under `management_state` (guide 2.1–2.2): the catalogue key
/// that explains it.
pub fn prune_registry_key(management_state: &str) -> &'static str {
    match management_state {
        "Removed" => "pruner.prune_registry.removed",
        "Unmanaged" => "pruner.prune_registry.unmanaged",
        _ => "pruner.prune_registry.managed",
    }
}

pub const MESSAGE_KEYS: [&str; 4] = [
    "pruner.schedule",
    "rule.pruner.duration_not_positive",
    "rule.pruner.duration_over_a_year",
    "rule.pruner.duration_overflow",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({ "schedule": "0 0 * * *", "suspend": false, "keepTagRevisions": 3, "keepYoungerThanDuration": "60m",
            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3 })
    }

    #[test]
    fn only_changed_fields_are_written() {
        let original = form_from_spec(&spec(), String::new());
        let mut edited = original.clone();
        edited.suspend = true;
        edited.keep_tag_revisions = "5".into();
        // Someone changed the schedule meanwhile: it is kept.
        let mut now = spec();
        now["schedule"] = json!("30 2 * * *");
        let problems = apply_pruner_form(&mut now, &original, &edited, &AdvancedEdit::default());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(now["suspend"], true);
        assert_eq!(now["keepTagRevisions"], 5);
        assert_eq!(now["schedule"], "30 2 * * *");
    }

    #[test]
    fn numbers_are_named_when_wrong() {
        let original = form_from_spec(&spec(), String::new());
        let mut edited = original.clone();
        edited.keep_tag_revisions = "three".into();
        edited.failed_jobs_history_limit = "-1".into();
        let mut now = spec();
        let fields: Vec<String> =
            apply_pruner_form(&mut now, &original, &edited, &AdvancedEdit::default())
                .into_iter()
                .map(|v| v.field)
                .collect();
        assert_eq!(
            fields,
            ["spec.keepTagRevisions", "spec.failedJobsHistoryLimit"]
        );
    }

    #[test]
    fn the_form_round_trips_through_its_inputs() {
        let form = form_from_spec(&spec(), "nodeSelector: {}\n".into());
        let mut draft = FormDraft::new(FORM_PRUNER, &[]);
        draft.fields = form_fields(&form).into_iter().collect();
        assert_eq!(form_from_draft(&draft), form);
    }

    #[test]
    fn prune_registry_is_explained_per_state() {
        assert_eq!(
            prune_registry_key("Managed"),
            "pruner.prune_registry.managed"
        );
        assert_eq!(
            prune_registry_key("Removed"),
            "pruner.prune_registry.removed"
        );
        assert_eq!(
            prune_registry_key("Unmanaged"),
            "pruner.prune_registry.unmanaged"
        );
    }

    #[test]
    fn every_wording_of_prune_registry_says_what_the_flag_does() {
        use crate::i18n::{Lang, translate};
        let managed = translate(Lang::En, "state.help.managed");
        assert!(
            managed.contains("without --prune-registry=false") && managed.contains("also deleted"),
            "{managed}"
        );
        assert!(
            translate(Lang::En, "pruner.prune_registry.managed")
                .contains("without --prune-registry=false")
        );
        for state in ["unmanaged", "removed"] {
            assert!(
                translate(Lang::En, &format!("state.help.{state}"))
                    .contains("--prune-registry=false")
            );
        }
    }

    #[test]
    fn the_age_kept_is_positive_and_a_warning_above_a_year() {
        let keys = |text: &str| {
            keep_younger_rules(text)
                .into_iter()
                .map(|v| (v.key, v.severity))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys("-5h"),
            vec![(
                "rule.pruner.duration_not_positive".to_string(),
                crate::domain::violation::Severity::Error
            )]
        );
        assert_eq!(keys("0s")[0].0, "rule.pruner.duration_not_positive");
        assert_eq!(
            keys("99999999h"),
            vec![(
                "rule.pruner.duration_overflow".to_string(),
                crate::domain::violation::Severity::Error
            )],
            "about 11,000 years: the pruner cannot even read it"
        );
        assert_eq!(
            keys("87600h"),
            vec![(
                "rule.pruner.duration_over_a_year".to_string(),
                crate::domain::violation::Severity::Warning
            )]
        );
        assert!(keys("60m").is_empty() && keys("8760h").is_empty() && keys("3 days").is_empty());
        let years = keep_younger_rules("87600h")[0].params[1].1.clone();
        assert_eq!(years, "10");
    }
}
