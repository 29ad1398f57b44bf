//! The Pruner page (SPEC §6; guide 2.1–2.2), rendered on the server: the image pruner's
//! conditions explained, what `--prune-registry` is under the registry's management state,
//! the next runs of its schedule (UTC, and the browser's time zone once the island runs),
//! the last runs with a failed run's log, and its settings, edited through the
//! change-forms island and the shared change review.

use crate::api::pruner::pruner;
use crate::components::conditions::ConditionsTable;
use crate::components::health::Time;
use crate::components::language::I18n;
use crate::components::plain_fields::{
    BaseInput, ErrorSlot, FieldLabel, FormsPage, PlainText, ReviewButton, Setting, SettingsFacts,
    Unreadable,
};
use crate::domain::change::ChangeArea;
use crate::domain::page::Page;
use crate::domain::pruner::{
    FIELD_ADVANCED, FIELD_FAILED_LIMIT, FIELD_IGNORE_INVALID, FIELD_KEEP_TAGS, FIELD_KEEP_YOUNGER,
    FIELD_LOG_LEVEL, FIELD_ORIGINAL, FIELD_SCHEDULE, FIELD_SUCCESS_LIMIT, FIELD_SUSPEND,
    FORM_PRUNER, PrunerRun, PrunerView, RunOutcome, prune_registry_key,
};
use crate::domain::registry_config::rules::LOG_LEVELS;
use crate::domain::violation::message;
use leptos::prelude::*;

#[component]
pub fn PrunerPage() -> impl IntoView {
    view! {
        <FormsPage
            page=Page::Pruner
            area=ChangeArea::Pruner
            load=pruner
            denied=|view| view.update_denied.clone()
            content=|view, denied| view! { <PrunerContent view denied /> }
        />
    }
}

#[component]
fn PrunerContent(view: PrunerView, denied: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let prune_registry = match &view.management_state {
        Ok(state) => view! {
            <p data-management-state=state.clone()>
                <code>{format!("managementState: {state}")}</code>
                " — "
                {i18n.t(prune_registry_key(state))}
            </p>
        }
        .into_any(),
        Err(why) => {
            view! { <Unreadable what="pruner.state.unreadable" why=why.clone() /> }.into_any()
        }
    };
    let next = if view.form.suspend {
        view! { <p data-next-runs="suspended">{i18n.t("pruner.next.suspended")}</p> }.into_any()
    } else {
        match &view.next_runs {
            Ok(runs) => view! {
                <ul class="plain-list" data-next-runs="">
                    {runs
                        .iter()
                        .map(|t| {
                            view! {
                                <li>
                                    <Time at=t.clone() />
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
            Err(problem) => view! { <p class="text-error" data-next-runs="invalid">{message(i18n.lang(), problem)}</p> }.into_any(),
        }
    };
    view! {
        <section class="card" aria-labelledby="pruner-status-heading">
            <h2 id="pruner-status-heading">{i18n.t("pruner.status.title")}</h2>
            <ConditionsTable conditions=Signal::stored(view.conditions.clone()) />
            <ul class="help">
                <li>{i18n.t("pruner.condition.available")}</li>
                <li>{i18n.t("pruner.condition.scheduled")}</li>
                <li>{i18n.t("pruner.condition.failed")}</li>
            </ul>
            <h3>"--prune-registry"</h3>
            {prune_registry}
            <h3>{i18n.t("pruner.next.title")}</h3>
            {next}
        </section>
        <RunsCard runs=view.runs.clone() />
        <SettingsCard view denied />
    }
}

#[component]
fn RunsCard(runs: Result<Vec<PrunerRun>, String>) -> impl IntoView {
    let i18n = I18n::expect();
    let body = match runs {
        Err(why) => view! { <Unreadable what="pruner.runs.unreadable" why /> }.into_any(),
        Ok(runs) if runs.is_empty() => view! { <p class="empty">{i18n.t("pruner.runs.none")}</p> }.into_any(),
        Ok(runs) => view! {
            <table class="table" data-runs="">
                <thead>
                    <tr>
                        <th scope="col">{i18n.t("pruner.col.job")}</th>
                        <th scope="col">{i18n.t("pruner.col.started")}</th>
                        <th scope="col">{i18n.t("pruner.col.duration")}</th>
                        <th scope="col">{i18n.t("pruner.col.outcome")}</th>
                    </tr>
                </thead>
                <tbody>
                    {runs
                        .into_iter()
                        .map(|run| {
                            let (key, outcome) = match run.outcome {
                                RunOutcome::Succeeded => ("pruner.outcome.succeeded", "succeeded"),
                                RunOutcome::Failed => ("pruner.outcome.failed", "failed"),
                                RunOutcome::Running => ("pruner.outcome.running", "running"),
                            };
                            let duration = run
                                .duration_seconds
                                .map(|s| i18n.fill("pruner.duration", &[("count", &s.to_string())]))
                                .unwrap_or_else(|| "—".into());
                            let log = run.log_tail.map(|tail| match tail {
                                Ok(text) => view! { <pre class="code" data-log-tail="">{text}</pre> }.into_any(),
                                Err(why) => view! { <small class="text-warning" lang="en">{why}</small> }.into_any(),
                            });
                            view! {
                                <tr data-job=run.job.clone() data-outcome=outcome>
                                    <td><code>{run.job.clone()}</code></td>
                                    <td><Time at=run.started.clone() /></td>
                                    <td>{duration}</td>
                                    <td>{i18n.t(key)}{log}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    };
    view! {
        <section class="card" aria-labelledby="runs-heading">
            <h2 id="runs-heading">{i18n.t("pruner.runs.title")}</h2>
            {body}
        </section>
    }
}

#[component]
fn SettingsCard(view: PrunerView, denied: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let base = serde_json::to_string(&view.base).unwrap_or_default();
    let original = view.base.spec.to_string();
    let mut form = view.form;
    // The doctor's fix for a suspended pruner links here with `spec.suspend=false`.
    let query = leptos_router::hooks::use_query_map();
    let resume = query.with_untracked(|q| q.get(FIELD_SUSPEND).as_deref() == Some("false"));
    if resume {
        form.suspend = false;
    }
    let check = |field: &'static str, label: &'static str, help: &'static str, checked: bool| {
        view! {
            <label class="field field-check" data-field=field>
                <input type="checkbox" name=field checked=checked />
                <FieldLabel label field />
                <span class="help">{i18n.t(help)}</span>
            </label>
            <ErrorSlot field />
        }
    };
    if denied {
        return view! { <SettingsSummary form /> }.into_any();
    }
    view! {
        <section class="card" aria-labelledby="pruner-settings-heading">
            <h2 id="pruner-settings-heading">{i18n.t("pruner.settings.title")}</h2>
            <crate::components::versions_link::VersionsLink group="imageregistry.operator.openshift.io" kind="ImagePruner" name="cluster" />
            <form method="post" class="config-form" data-change-form=FORM_PRUNER>
                <fieldset class="plain" disabled=denied>
                    <BaseInput base />
                    <input type="hidden" name=FIELD_ORIGINAL value=original />
                    <ErrorSlot field="form" />
                    <PlainText label="pruner.schedule.label" help=i18n.t("pruner.schedule.help").to_string() field=FIELD_SCHEDULE value=form.schedule.clone() placeholder="0 0 * * *" />
                    {check(FIELD_SUSPEND, "field.suspend", "pruner.suspend.help", form.suspend)}
                    <PlainText label="pruner.keep_tags.label" help=i18n.t("pruner.keep_tags.help").to_string() field=FIELD_KEEP_TAGS value=form.keep_tag_revisions.clone() />
                    <PlainText label="pruner.keep_younger.label" help=i18n.t("pruner.keep_younger.help").to_string() field=FIELD_KEEP_YOUNGER value=form.keep_younger_than_duration.clone() />
                    <PlainText label="pruner.success_limit.label" help=i18n.t("pruner.limit.help").to_string() field=FIELD_SUCCESS_LIMIT value=form.successful_jobs_history_limit.clone() />
                    <PlainText label="pruner.failed_limit.label" help=i18n.t("pruner.limit.help").to_string() field=FIELD_FAILED_LIMIT value=form.failed_jobs_history_limit.clone() />
                    {check(FIELD_IGNORE_INVALID, "field.ignore_invalid", "pruner.ignore_invalid.help", form.ignore_invalid_image_references)}
                    <label class="field" data-field=FIELD_LOG_LEVEL>
                        <FieldLabel label="field.pruner_log_level" field=FIELD_LOG_LEVEL />
                        <span class="help">{i18n.t("pruner.log_level.help")}</span>
                        <select name=FIELD_LOG_LEVEL>
                            <option value="" selected=form.log_level.is_empty()>{i18n.t("field.default")}</option>
                            {LOG_LEVELS
                                .iter()
                                .map(|l| view! { <option value=*l selected=form.log_level == *l>{*l}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    <ErrorSlot field=FIELD_LOG_LEVEL />
                    <label class="field" data-field=FIELD_ADVANCED>
                        <span class="label">{i18n.t("pruner.advanced.label")}</span>
                        <span class="help">{i18n.t("pruner.advanced.help")}</span>
                        <textarea name=FIELD_ADVANCED rows="8" spellcheck="false" class="code">{form.advanced_yaml.clone()}</textarea>
                    </label>
                    <ErrorSlot field=FIELD_ADVANCED />
                    {["spec.nodeSelector", "spec.tolerations", "spec.affinity", "spec.resources"]
                        .into_iter()
                        .map(|field| view! { <ErrorSlot field /> })
                        .collect_view()}
                    <ReviewButton label="pruner.review" />
                </fieldset>
            </form>
        </section>
    }
    .into_any()
}

/// The settings as they are, for a user who may not change them (a disabled form reads as
/// broken, and hides values in greyed inputs).
#[component]
fn SettingsSummary(form: crate::domain::pruner::PrunerForm) -> impl IntoView {
    let i18n = I18n::expect();
    let rows = vec![
        (
            "pruner.schedule.label",
            FIELD_SCHEDULE,
            Setting::Text(form.schedule),
        ),
        ("field.suspend", FIELD_SUSPEND, Setting::Flag(form.suspend)),
        (
            "pruner.keep_tags.label",
            FIELD_KEEP_TAGS,
            Setting::Text(form.keep_tag_revisions),
        ),
        (
            "pruner.keep_younger.label",
            FIELD_KEEP_YOUNGER,
            Setting::Text(form.keep_younger_than_duration),
        ),
        (
            "pruner.success_limit.label",
            FIELD_SUCCESS_LIMIT,
            Setting::Text(form.successful_jobs_history_limit),
        ),
        (
            "pruner.failed_limit.label",
            FIELD_FAILED_LIMIT,
            Setting::Text(form.failed_jobs_history_limit),
        ),
        (
            "field.ignore_invalid",
            FIELD_IGNORE_INVALID,
            Setting::Flag(form.ignore_invalid_image_references),
        ),
        (
            "field.pruner_log_level",
            FIELD_LOG_LEVEL,
            Setting::Text(form.log_level),
        ),
    ];
    view! {
        <section class="card" aria-labelledby="pruner-settings-heading" data-read-only-summary="pruner">
            <h2 id="pruner-settings-heading">{i18n.t("pruner.settings.title")}</h2>
            <crate::components::versions_link::VersionsLink group="imageregistry.operator.openshift.io" kind="ImagePruner" name="cluster" />
            <SettingsFacts rows advanced=("pruner.advanced.label", form.advanced_yaml) />
        </section>
    }
}
