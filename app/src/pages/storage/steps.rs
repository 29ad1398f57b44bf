//! The storage wizard in steps, each a plain form that works without JavaScript: path →
//! that path's fields → credentials → review (SPEC §6). Every form posts to
//! `/storage/steps` (the server's handler), which keeps the draft between steps
//! ([`crate::api::storage_drafts`]) and sends the browser on to the next step's page; the
//! review is the shared change review's own preview, rendered here on the server, and
//! Apply goes through the same change pipeline as the island's.
//!
//! Each step's form carries every field, the other steps' hidden, so that one post holds
//! the whole draft (a flag not sent is off) and no field is lost between steps.

use super::form::WizardFields;
use crate::api::changes::FieldError;
use crate::api::error::ConsoleError;
use crate::components::language::I18n;
use crate::domain::session::CSRF_FIELD;
use crate::domain::storage::steps::Step;
use crate::domain::storage::wizard::{StorageSubmission, WizardState};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One step's page, as the server has the draft.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepPage {
    /// An id was given that this console does not hold (expired, or another replica's).
    pub expired: bool,
    /// The draft without its credentials' values (`None`: the registry as it is).
    pub draft: Option<StorageSubmission>,
    /// The credential keys typed so far (their values stay on the server).
    pub typed_keys: Vec<String>,
    /// This step's broken rules, in the user's language (after a post only).
    pub field_errors: Vec<FieldError>,
    /// The review asks for the storage-switch confirmation.
    pub asks_switch: bool,
    /// The preview (review step), with Apply submitting the form.
    pub review_html: Option<String>,
    /// Why the preview or the last apply was refused.
    pub notice_html: Option<String>,
    /// The applied change and its follow-up (done step).
    pub applied_html: Option<String>,
}

#[leptos::server(prefix = "/api", endpoint = "storage_step", client = crate::api::csrf_client::CsrfClient)]
pub async fn storage_step(
    #[server(default)] draft: String,
    #[server(default)] step: String,
    #[server(default)] checked: bool,
) -> Result<StepPage, ConsoleError> {
    use crate::api::storage_drafts;
    use crate::components::change_review::render::{
        AppliedPanel, FollowUpPanel, PreviewPanel, error_html, html,
    };
    use crate::domain::change::{ChangeArea, ChangeError};
    use crate::domain::storage::steps::step_of_field;
    use crate::domain::violation::{Severity, Violation, message};

    let user = crate::api::require(crate::domain::access::Who::Admins, "changing the cluster")?;
    let step = Step::from_id(&step).unwrap_or(Step::Path);
    let held = (!draft.is_empty())
        .then(|| storage_drafts::get(&draft, &user.session.csrf_token))
        .flatten();
    let Some(held) = held else {
        return Ok(StepPage {
            expired: !draft.is_empty(),
            ..Default::default()
        });
    };
    let lang = I18n::expect().lang();
    let errors_of = |list: &[Violation], step: Step| -> Vec<FieldError> {
        list.iter()
            .filter(|v| v.severity == Severity::Error && step_of_field(&v.field) == step)
            .map(|v| FieldError {
                field: v.field.clone(),
                text: message(lang, v),
            })
            .collect()
    };
    let invalid = |error: &ConsoleError| match error {
        ConsoleError::Change(change) => match change.as_ref() {
            ChangeError::Invalid(list) => list.clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let mut page = StepPage {
        typed_keys: held.submission.credentials.keys().cloned().collect(),
        draft: Some(StorageSubmission {
            credentials: Default::default(),
            ..held.submission.clone()
        }),
        asks_switch: held.submission.confirm_switch,
        ..Default::default()
    };
    let json = serde_json::to_string(&held.submission)
        .map_err(|e| ConsoleError::Invalid(e.to_string()))?;
    let changes = user.services.changes(ChangeArea::Storage)?;
    match step {
        Step::Done => {
            if let Some(applied) = held.applied {
                let change_id = applied.change_id.clone();
                let area = ChangeArea::Storage;
                let mut text = html(view! { <AppliedPanel applied area /> });
                if let Ok(follow_ups) = user.services.follow_ups()
                    && let Ok(view) = follow_ups.get(change_id).await
                {
                    text.push_str(&html(view! { <FollowUpPanel view /> }));
                }
                page.applied_html = Some(text);
            }
        }
        Step::Review => {
            if let Some(error) = held.apply_error {
                page.field_errors = errors_of(&invalid(&error), Step::Review);
                page.notice_html = Some(error_html(error));
            }
            match changes.preview(json).await {
                Ok(preview) => {
                    page.review_html = Some(html(view! { <PreviewPanel preview submits=true /> }));
                }
                Err(error) => {
                    let broken = invalid(&error);
                    page.asks_switch |= broken.iter().any(|v| v.field == "confirm.switch");
                    page.field_errors = errors_of(&broken, Step::Review);
                    page.notice_html = Some(error_html(error));
                }
            }
        }
        _ if checked => {
            page.field_errors = errors_of(&changes.check(json).await?, step);
        }
        _ => {}
    }
    Ok(page)
}

/// The steps, the current one marked.
#[component]
fn StepList(current: Step, draft: StorageSubmission) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <ol class="steps" data-steps="">
            {Step::ALL
                .into_iter()
                .filter(|step| step.applies(&draft))
                .map(|step| {
                    let state = if step == current {
                        "current"
                    } else if step < current {
                        "done"
                    } else {
                        "next"
                    };
                    view! {
                        <li data-step-state=state aria-current=(step == current).then_some("step")>
                            {i18n.t(step.title_key())}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

#[component]
pub fn SteppedWizard(
    state: WizardState,
    step: Step,
    draft_id: String,
    page: StepPage,
) -> impl IntoView {
    let i18n = I18n::expect();
    let csrf = crate::api::session::use_session()
        .map(|s| s.csrf_token)
        .unwrap_or_default();
    let draft = page.draft.clone().unwrap_or_else(|| StorageSubmission {
        form: state.form(),
        ..Default::default()
    });
    // A step without its draft (expired, or typed into the address bar) starts again.
    let step = if page.draft.is_none() {
        Step::Path
    } else {
        step
    };
    let expired = page.expired.then(|| {
        view! { <p class="notice notice-warning" role="status" data-draft-expired="">{i18n.t("storage.step.expired")}</p> }
    });
    let notice = page
        .notice_html
        .clone()
        .map(|html| view! { <div data-step-notice="" inner_html=html></div> });
    let body = if let Some(applied) = page.applied_html.clone() {
        view! {
            <div data-step-done="" inner_html=applied></div>
            <p>
                <a href=format!("/storage?step=done&draft={draft_id}#wizard-heading") data-action="reload-follow-up">{i18n.t("storage.step.reload")}</a>
                " · "
                <a href="/storage?step=path#wizard-heading">{i18n.t("storage.step.again")}</a>
            </p>
        }
        .into_any()
    } else {
        let review = page.review_html.clone();
        // Every broken rule of the step at the top too: some have no field of their own here.
        let summary = (!page.field_errors.is_empty()).then(|| {
            let count = page.field_errors.len();
            view! {
                <div class="notice notice-error" role="alert" data-step-errors=count>
                    <p>{i18n.fill("storage.step.errors", &[("count", &count.to_string())])}</p>
                </div>
            }
        });
        let has_review = review.is_some();
        view! {
            <form class="config-form" method="post" action="/storage/steps" data-step-form=step.id()>
                <input type="hidden" name=CSRF_FIELD value=csrf />
                <input type="hidden" name="draft" value=if page.expired { String::new() } else { draft_id.clone() } />
                <input type="hidden" name="step" value=step.id() />
                {summary}
                <WizardFields
                    state=state.clone()
                    draft=draft.clone()
                    typed_keys=page.typed_keys.clone()
                    errors=page.field_errors.clone()
                    asks_switch=page.asks_switch
                />
                {review.map(|html| view! { <div data-step-review="" inner_html=html></div> })}
                <div class="actions">
                    {(!has_review).then(|| view! {
                        <button type="submit" name="action" value="next" class="button button-primary" data-action="next">
                            {i18n.t(if step == Step::Review { "storage.step.review_again" } else { "storage.step.next" })}
                        </button>
                    })}
                    {(step != Step::Path).then(|| view! {
                        <button type="submit" name="action" value="back" class="button" data-action="back">
                            {i18n.t("storage.step.back")}
                        </button>
                    })}
                    <button type="submit" name="action" value="cancel" class="button" data-action="cancel">
                        {i18n.t("storage.step.cancel")}
                    </button>
                </div>
            </form>
        }
        .into_any()
    };
    view! {
        <section class="card storage-wizard stepped" aria-labelledby="wizard-heading" data-step=step.id()>
            <h2 id="wizard-heading">{i18n.t("storage.wizard.title")}</h2>
            <StepList current=step draft=draft.clone() />
            {expired}
            {notice}
            {body}
        </section>
    }
}
