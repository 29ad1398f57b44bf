//! The Pruner page's service (SPEC §6; guide 2.1–2.2): the image pruner's settings and
//! conditions, the next runs of its schedule, the registry's management state (for
//! `--prune-registry`), and the last runs from the `image-pruner` CronJob's Jobs with the
//! tail of a failed run's log; changes to the settings through the change pipeline.

use super::{change_error, decode_draft, denied_reason, get_required, refused_rules, text};
use crate::change::{ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, Step};
use crate::kube::resources::{IMAGE_PRUNER, JOB, REGISTRY_CONFIG};
use crate::kube::user::console_error;
use crate::services::registry_config::{advanced_edit, render_advanced_of};
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, ChangeService, ClusterAccess, PrunerAccess};
use app::domain::access::REGISTRY_NAMESPACE;
use app::domain::change::{Applied, ChangePreview};
use app::domain::conditions::conditions_of;
use app::domain::form_draft::FormDraft;
use app::domain::pruner::{
    FIELD_SCHEDULE, PRUNER_ADVANCED_KEYS, PrunerRun, PrunerSubmission, PrunerView, RunOutcome,
    apply_pruner_form, form_from_spec, read_submission,
};
use app::domain::registry_config::form::SeenConfig;
use app::domain::violation::Violation;
use chrono::{DateTime, SecondsFormat, Utc};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use serde_json::{Value, json};
use std::str::FromStr;
use std::sync::Arc;

/// The CronJob the operator makes for the pruner.
const CRONJOB_NAME: &str = "image-pruner";
/// Lines of a failed run's log the page shows.
const LOG_TAIL_LINES: i64 = 20;

/// One request's access to the image pruner, as its user.
pub struct PrunerService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
}

/// The next `count` runs of a Kubernetes cron `schedule` after `now` (UTC), or what is
/// wrong with it (a maintained cron crate parses it: five fields, names, `@daily` …).
pub fn next_runs(
    schedule: &str,
    now: DateTime<Utc>,
    count: usize,
) -> Result<Vec<DateTime<Utc>>, Violation> {
    let invalid = |problem: String| {
        Violation::error(FIELD_SCHEDULE, "pruner.schedule")
            .with("value", schedule)
            .with("problem", problem)
    };
    let schedule = schedule.trim();
    if schedule.is_empty() {
        return Err(invalid("empty".into()));
    }
    // Kubernetes schedules have five fields; croner would also take a seconds field.
    if !schedule.starts_with('@') && schedule.split_whitespace().count() != 5 {
        return Err(invalid(format!(
            "{} fields instead of 5 (minute hour day-of-month month day-of-week)",
            schedule.split_whitespace().count()
        )));
    }
    let cron = croner::Cron::from_str(schedule).map_err(|e| invalid(e.to_string()))?;
    let mut out = Vec::with_capacity(count);
    let mut after = now;
    for _ in 0..count {
        let next = cron
            .find_next_occurrence(&after, false)
            .map_err(|e| invalid(e.to_string()))?;
        out.push(next);
        after = next;
    }
    Ok(out)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl PrunerService {
    async fn pruner(&self) -> Result<Value, ConsoleError> {
        get_required(&self.client, IMAGE_PRUNER, "cluster").await
    }

    async fn management_state(&self) -> Result<String, String> {
        REGISTRY_CONFIG
            .api(self.client.clone(), None)
            .get("cluster")
            .await
            .map(|c| {
                c.data
                    .pointer("/spec/managementState")
                    .and_then(Value::as_str)
                    .unwrap_or("Managed")
                    .to_string()
            })
            .map_err(|e| console_error(e).to_string())
    }

    /// The tail of the log of the failed run `job`'s pod.
    async fn log_tail(&self, job: &str) -> Result<String, String> {
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), REGISTRY_NAMESPACE);
        let list = pods
            .list(&ListParams::default().labels(&format!("job-name={job}")))
            .await
            .map_err(|e| console_error(e).to_string())?;
        let pod = list
            .items
            .into_iter()
            .filter_map(|p| p.metadata.name)
            .next()
            .ok_or_else(|| format!("no pod of job {job} is left"))?;
        pods.logs(
            &crate::kube::resources::path_segment(&pod),
            &LogParams {
                tail_lines: Some(LOG_TAIL_LINES),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| console_error(e).to_string())
    }

    /// The CronJob's Jobs, newest first.
    async fn runs(&self) -> Result<Vec<PrunerRun>, String> {
        let list = JOB
            .api(self.client.clone(), Some(REGISTRY_NAMESPACE))
            .list(&Default::default())
            .await
            .map_err(|e| console_error(e).to_string())?;
        let mut runs = Vec::new();
        for job in list
            .items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
        {
            let name = text(&job, "/metadata/name");
            let owned = job
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|l| l.iter().any(|o| o["name"] == CRONJOB_NAME));
            if !owned && !name.starts_with(CRONJOB_NAME) {
                continue;
            }
            let number = |key: &str| job.pointer(key).and_then(Value::as_i64).unwrap_or(0);
            let outcome = if number("/status/succeeded") > 0 {
                RunOutcome::Succeeded
            } else if number("/status/failed") > 0 {
                RunOutcome::Failed
            } else {
                RunOutcome::Running
            };
            let at = |key: &str| DateTime::parse_from_rfc3339(&text(&job, key)).ok();
            let started = at("/status/startTime").or_else(|| at("/metadata/creationTimestamp"));
            let ended = at("/status/completionTime").or_else(|| {
                job.pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .and_then(|l| l.iter().find(|c| c["type"] == "Failed"))
                    .and_then(|c| c["lastTransitionTime"].as_str())
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            });
            let log_tail = if outcome == RunOutcome::Failed {
                Some(self.log_tail(&name).await)
            } else {
                None
            };
            runs.push(PrunerRun {
                job: name,
                started: started
                    .map(|t| rfc3339(t.with_timezone(&Utc)))
                    .unwrap_or_default(),
                duration_seconds: started.zip(ended).map(|(s, e)| (e - s).num_seconds()),
                outcome,
                log_tail,
            });
        }
        runs.sort_by(|a, b| b.started.cmp(&a.started));
        Ok(runs)
    }

    async fn load_view(&self) -> Result<PrunerView, ConsoleError> {
        let pruner = self.pruner().await?;
        let spec = pruner.get("spec").cloned().unwrap_or_else(|| json!({}));
        let (management_state, runs, update_denied) = tokio::join!(
            self.management_state(),
            self.runs(),
            denied_reason(self.cluster.as_ref(), "action.change_pruner"),
        );
        let form = form_from_spec(&spec, render_advanced_of(&spec, &PRUNER_ADVANCED_KEYS));
        Ok(PrunerView {
            next_runs: next_runs(&form.schedule, Utc::now(), 3)
                .map(|l| l.into_iter().map(rfc3339).collect()),
            base: SeenConfig {
                version: text(&pruner, "/metadata/resourceVersion"),
                spec,
            },
            form,
            conditions: conditions_of(pruner.get("status").unwrap_or(&Value::Null)),
            management_state,
            runs,
            update_denied,
        })
    }

    /// The problems of the form against the pruner as it is now, and the request.
    async fn request(
        &self,
        submission: &PrunerSubmission,
        reason: String,
    ) -> Result<ChangeRequest, ConsoleError> {
        let current = self.pruner().await?;
        let mut problems = Vec::new();
        let advanced = advanced_edit(
            &submission.original.advanced_yaml,
            &submission.edited.advanced_yaml,
            &mut problems,
        );
        let mut desired = current.clone();
        let mut spec = desired.get("spec").cloned().unwrap_or_else(|| json!({}));
        problems.extend(apply_pruner_form(
            &mut spec,
            &submission.original,
            &submission.edited,
            &advanced,
        ));
        if submission.original.schedule != submission.edited.schedule
            && let Err(v) = next_runs(&submission.edited.schedule, Utc::now(), 1)
        {
            problems.push(v);
        }
        // Warnings (an age above a year) go to the review; errors refuse the change.
        let (warnings, errors): (Vec<Violation>, Vec<Violation>) = problems
            .into_iter()
            .partition(|v| v.severity == app::domain::violation::Severity::Warning);
        if !errors.is_empty() {
            return Err(change_error(PipelineError::Invalid(errors)));
        }
        desired["spec"] = spec;
        let base = json!({
            "apiVersion": IMAGE_PRUNER.api_version(),
            "kind": IMAGE_PRUNER.kind,
            "metadata": { "name": "cluster", "resourceVersion": submission.base.version },
            "spec": submission.base.spec,
        });
        Ok(ChangeRequest {
            reason,
            steps: vec![Step::patch(
                IMAGE_PRUNER,
                None,
                "cluster",
                base,
                false,
                desired,
            )],
            confirmations: Default::default(),
            follow_up: FollowUpPlan::None,
            warnings,
        })
    }
}

fn submission(draft: &str) -> Result<PrunerSubmission, ConsoleError> {
    let draft: FormDraft = decode_draft(draft)?;
    read_submission(&draft, |spec| {
        render_advanced_of(spec, &PRUNER_ADVANCED_KEYS)
    })
    .map_err(|v| change_error(PipelineError::Invalid(v)))
}

impl PrunerAccess for PrunerService {
    fn load(&self) -> BoxFuture<'_, Result<PrunerView, ConsoleError>> {
        Box::pin(self.load_view())
    }
}

impl ChangeService for PrunerService {
    fn check(&self, draft: String) -> BoxFuture<'_, Result<Vec<Violation>, ConsoleError>> {
        Box::pin(async move {
            let attempt = match submission(&draft) {
                Ok(s) => self.request(&s, String::new()).await,
                Err(e) => Err(e),
            };
            match attempt {
                // The warnings too, as the user types (an age above a year).
                Ok(request) => Ok(request.warnings),
                refused => refused_rules(refused),
            }
        })
    }

    fn preview(&self, draft: String) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(&submission(&draft)?, String::new()).await?;
            self.pipeline
                .preview(self.client.clone(), &request)
                .await
                .map_err(change_error)
        })
    }

    fn apply(&self, draft: String, reason: String) -> BoxFuture<'_, Result<Applied, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(&submission(&draft)?, reason).await?;
            self.pipeline
                .apply(self.client.clone(), &self.requester, request)
                .await
                .map_err(change_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_next_three_runs_of_a_schedule() {
        let now = at("2026-11-29T10:15:00Z");
        let runs: Vec<String> = next_runs("0 0 * * *", now, 3)
            .unwrap()
            .into_iter()
            .map(rfc3339)
            .collect();
        assert_eq!(
            runs,
            [
                "2026-11-30T00:00:00Z",
                "2026-12-01T00:00:00Z",
                "2026-12-02T00:00:00Z"
            ]
        );
        // 2026-11-29 is a Sunday, its 02:30 is past.
        let weekly: Vec<String> = next_runs("30 2 * * sun", now, 2)
            .unwrap()
            .into_iter()
            .map(rfc3339)
            .collect();
        assert_eq!(weekly, ["2026-12-06T02:30:00Z", "2026-12-13T02:30:00Z"]);
        assert_eq!(
            next_runs("@daily", now, 1).unwrap()[0],
            at("2026-11-30T00:00:00Z")
        );
    }

    #[test]
    fn a_bad_schedule_is_named_with_the_reason() {
        for bad in ["", "0 0 * *", "0 0 * * * *", "61 * * * *", "every day"] {
            let v = next_runs(bad, Utc::now(), 1).unwrap_err();
            assert_eq!(
                (v.field.as_str(), v.key.as_str()),
                (FIELD_SCHEDULE, "pruner.schedule"),
                "{bad}"
            );
        }
    }
}
