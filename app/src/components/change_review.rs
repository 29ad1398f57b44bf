//! The one change review (SPEC §5) every write in the console goes through: a page hands
//! it a draft (its own submission, as JSON) and this component shows the rules the change
//! breaks, its warnings, the diff of each object, the `oc` commands, the dry-run result,
//! the reason box, apply, what changed underneath on a conflict (with re-apply on top),
//! and the live follow-up until the change is healthy or not.
//!
//! After a preview or an apply, focus moves to the result, so keyboard and screen-reader
//! users land on what happened instead of on `<body>` (the button they pressed is disabled
//! while the request runs).

use crate::api::changes::{apply_change, change_follow_up, preview_change};
use crate::api::error::ConsoleError;
use crate::components::conditions::ConditionsTable;
use crate::components::diff_table::DiffTable;
use crate::components::error_notice::ErrorNotice;
use crate::components::language::I18n;
use crate::components::violations::ViolationList;
use crate::domain::change::{
    Applied, ChangeArea, ChangeError, ChangePreview, ConflictKind, FollowUpKind, FollowUpState,
    FollowUpView, ObjectRef, Operation, StepPreview,
};
use crate::domain::violation::{Severity, Violation};
use leptos::prelude::*;

/// Where a change is in preview → apply → follow-up.
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewState {
    Idle,
    /// The preview of exactly this draft (apply is offered only for it).
    Previewed {
        draft: String,
        preview: ChangePreview,
    },
    Refused(ConsoleError),
    Applied(Applied),
}

/// A page's handle on its change review: the page starts a preview, reads the violations
/// for its fields, and resets; the [`ChangeReview`] component shows the rest.
#[derive(Clone, Copy)]
pub struct Review {
    area: ChangeArea,
    state: RwSignal<ReviewState>,
    reason: RwSignal<String>,
    /// A refused apply that leaves the preview standing (the reason's length).
    apply_error: RwSignal<Option<ChangeError>>,
    follow_up: RwSignal<Option<FollowUpView>>,
    pending: RwSignal<bool>,
    /// Counts results, so the panel moves focus to each new one.
    results: RwSignal<u32>,
}

impl Review {
    pub fn new(area: ChangeArea) -> Self {
        Review {
            area,
            state: RwSignal::new(ReviewState::Idle),
            reason: RwSignal::new(String::new()),
            apply_error: RwSignal::new(None),
            follow_up: RwSignal::new(None),
            pending: RwSignal::new(false),
            results: RwSignal::new(0),
        }
    }

    /// Checks `draft` up to and including the API server's dry run; nothing is changed.
    pub fn preview(self, draft: String) {
        self.state.set(ReviewState::Idle);
        self.apply_error.set(None);
        self.pending.set(true);
        leptos::task::spawn_local(async move {
            let result = preview_change(self.area, draft.clone()).await;
            let state = match result {
                Ok(preview) => ReviewState::Previewed { draft, preview },
                Err(e) => ReviewState::Refused(e),
            };
            self.finish(state);
        });
    }

    fn apply(self, draft: String, on_applied: Callback<Applied>) {
        self.apply_error.set(None);
        self.pending.set(true);
        let reason = self.reason.get_untracked();
        leptos::task::spawn_local(async move {
            match apply_change(self.area, draft, reason).await {
                Ok(applied) => {
                    if let FollowUpKind::None = applied.follow_up {
                    } else {
                        follow(self, applied.change_id.clone());
                    }
                    self.reason.try_set(String::new());
                    self.finish(ReviewState::Applied(applied.clone()));
                    on_applied.run(applied);
                }
                Err(ConsoleError::Change(error))
                    if matches!(
                        *error,
                        ChangeError::ReasonTooShort { .. } | ChangeError::ReasonTooLong { .. }
                    ) =>
                {
                    self.apply_error.try_set(Some(*error));
                    self.pending.try_set(false);
                    self.results.try_update(|n| *n += 1);
                }
                Err(e) => self.finish(ReviewState::Refused(e)),
            }
        });
    }

    /// A result arrived (the page may be gone meanwhile: then nothing happens).
    fn finish(self, state: ReviewState) {
        self.state.try_set(state);
        self.pending.try_set(false);
        self.results.try_update(|n| *n += 1);
    }

    /// Back to no review (the page's "reset", or a new edit base).
    pub fn reset(self) {
        self.state.set(ReviewState::Idle);
        self.apply_error.set(None);
        self.follow_up.set(None);
    }

    /// A preview or apply is running.
    pub fn busy(self) -> bool {
        self.pending.get()
    }

    /// The rules the last preview or apply found broken, for the fields to show.
    pub fn violations(self) -> Signal<Vec<Violation>> {
        let state = self.state;
        Signal::derive(move || {
            state.with(|s| match s {
                ReviewState::Refused(ConsoleError::Change(error)) => match error.as_ref() {
                    ChangeError::Invalid(list) => list.clone(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            })
        })
    }
}

/// Polls the server's follow-up of `change_id` until it is final (the server records the
/// outcome on its own; this is what the user watches).
fn follow(review: Review, change_id: String) {
    fn step(review: Review, change_id: String, left: u32) {
        leptos::task::spawn_local(async move {
            // The page is gone (or the review was reset): stop.
            if review.follow_up.is_disposed() {
                return;
            }
            if let Ok(view) = change_follow_up(change_id.clone()).await {
                let done = view.state.is_final();
                if review.follow_up.try_set(Some(view)).is_some() || done || left == 0 {
                    return;
                }
            }
            if left > 0 {
                set_timeout(
                    move || step(review, change_id, left - 1),
                    std::time::Duration::from_millis(1500),
                );
            }
        });
    }
    // Ten minutes at most; the server's follow-up timeout is shorter by default.
    step(review, change_id, 400);
}

#[component]
pub fn ChangeReview(
    review: Review,
    /// The page's current draft: a preview of another draft is stale.
    #[prop(into)]
    draft: Signal<String>,
    /// The console role and the API server both allow this change.
    #[prop(into)]
    may_change: Signal<bool>,
    /// After an apply (the page continues from the new version).
    on_applied: Callback<Applied>,
    /// After a conflict: the page reloads the objects and keeps the user's edits.
    on_reapply: Callback<()>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let region = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if review.results.get() > 0
            && let Some(el) = region.get()
        {
            let _ = el.focus();
        }
    });
    let status = move || {
        let key = match review.state.get() {
            _ if review.pending.get() => "review.status.working",
            ReviewState::Idle => return String::new(),
            ReviewState::Previewed { .. } => "review.status.previewed",
            ReviewState::Refused(_) => "review.status.refused",
            ReviewState::Applied(_) => "review.status.applied",
        };
        i18n.t(key).to_string()
    };
    let current = Signal::derive(move || {
        review.state.with(|s| match s {
            ReviewState::Previewed {
                draft: previewed, ..
            } => draft.with(|d| d == previewed),
            _ => false,
        })
    });
    let body = move || match review.state.get() {
        ReviewState::Idle => ().into_any(),
        ReviewState::Previewed { preview, .. } => {
            view! { <PreviewPanel review preview current may_change draft on_applied on_reapply /> }
                .into_any()
        }
        ReviewState::Refused(ConsoleError::Change(error)) => {
            view! { <ChangeRefused error=*error on_reapply /> }.into_any()
        }
        ReviewState::Refused(other) => view! { <ErrorNotice error=other /> }.into_any(),
        ReviewState::Applied(applied) => view! { <AppliedPanel applied review /> }.into_any(),
    };
    view! {
        <div
            class="review-region"
            data-review-region=""
            tabindex="-1"
            node_ref=region
            role="region"
            aria-label=i18n.t("review.title")
        >
            <p class="visually-hidden" aria-live="polite">{status}</p>
            {body}
        </div>
    }
}

fn operation_key(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "review.op.create",
        Operation::Patch => "review.op.patch",
        Operation::Delete => "review.op.delete",
    }
}

/// One object of the change: what happens to it, the diff and the `oc` command.
#[component]
fn StepView(step: StepPreview) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <h3 data-operation=i18n.t(operation_key(step.operation))>
            <span class="badge">{i18n.t(operation_key(step.operation))}</span>
            " "
            {step.object.to_string()}
        </h3>
        <DiffTable changes=step.diff />
        <p>{i18n.t("review.oc_command")}</p>
        <pre class="code" data-oc-command="">{step.oc_command}</pre>
    }
}

#[component]
fn PreviewPanel(
    review: Review,
    preview: ChangePreview,
    current: Signal<bool>,
    may_change: Signal<bool>,
    draft: Signal<String>,
    on_applied: Callback<Applied>,
    on_reapply: Callback<()>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let warnings: Vec<Violation> = preview
        .warnings
        .iter()
        .filter(|v| v.severity == Severity::Warning)
        .cloned()
        .collect();
    let apply_error = review.apply_error;
    view! {
        <section class="card review" data-review="preview">
            <h2>{i18n.t("review.title")}</h2>
            {(!warnings.is_empty()).then(|| view! { <ViolationList list=warnings.clone() warning=true /> })}
            {preview.steps.into_iter().map(|step| view! { <StepView step /> }).collect_view()}
            <p class="notice notice-info" data-dry-run="accepted">{i18n.t("review.dry_run_ok")}</p>
            <label class="field">
                <span class="label">{i18n.t("review.reason")}</span>
                <span class="help">{i18n.t("review.reason_help")}</span>
                <textarea
                    name="reason"
                    rows="2"
                    prop:value=move || review.reason.get()
                    on:input=move |ev| review.reason.set(event_target_value(&ev))
                ></textarea>
            </label>
            {move || apply_error.get().map(|error| view! { <ChangeRefused error on_reapply /> })}
            <Show when=move || !current.get()>
                <p class="notice notice-warning">{i18n.t("review.stale")}</p>
            </Show>
            <button
                type="button"
                class="button button-primary"
                data-action="apply"
                disabled=move || !may_change.get() || review.busy() || !current.get()
                on:click=move |_| review.apply(draft.get_untracked(), on_applied)
            >
                {i18n.t("review.apply")}
            </button>
        </section>
    }
}

#[component]
fn AppliedPanel(applied: Applied, review: Review) -> impl IntoView {
    let i18n = I18n::expect();
    let text = i18n.fill("review.applied", &[("id", &applied.change_id)]);
    view! {
        <section class="notice notice-info" data-review="applied" data-change=applied.change_id.clone()>
            <h2>{i18n.t("review.status.applied")}</h2>
            <p>{text}</p>
            {applied
                .steps
                .into_iter()
                .map(|step| view! { <pre class="code" data-oc-command="">{step.oc_command}</pre> })
                .collect_view()}
        </section>
        {move || review.follow_up.get().map(|view| view! { <FollowUpPanel view /> })}
    }
}

#[component]
fn FollowUpPanel(view: FollowUpView) -> impl IntoView {
    let i18n = I18n::expect();
    let (class, key) = match view.state {
        FollowUpState::Healthy => ("notice notice-info", "review.follow.healthy"),
        FollowUpState::Degraded => ("notice notice-error", "review.follow.degraded"),
        FollowUpState::TimedOut => ("notice notice-warning", "review.follow.timeout"),
        FollowUpState::Pending => ("notice notice-warning", "review.follow.pending"),
    };
    let progress = match &view.kind {
        FollowUpKind::RegistryRollout { generation } => Some(i18n.fill(
            "review.follow.rollout",
            &[
                (
                    "observed",
                    &view.observed_generation.unwrap_or(0).to_string(),
                ),
                ("generation", &generation.to_string()),
            ],
        )),
        FollowUpKind::ClaimBound { name, .. } => Some(i18n.fill(
            "review.follow.claim",
            &[
                ("name", name),
                ("phase", view.claim_phase.as_deref().unwrap_or("—")),
            ],
        )),
        FollowUpKind::None => None,
    };
    let message = view.message.clone();
    let conditions = view.conditions.clone();
    view! {
        <section class=class data-follow-up=view.state.outcome()>
            <h2>{i18n.t(key)}</h2>
            {progress.map(|p| view! { <p>{p}</p> })}
            {(!message.is_empty()).then(|| view! { <p><strong>{message}</strong></p> })}
            {(!conditions.is_empty()).then(|| view! { <ConditionsTable conditions=Signal::stored(conditions) /> })}
        </section>
    }
}

fn objects(list: &[ObjectRef]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a change was not applied (or only in part), and what the user can do about it.
#[component]
pub fn ChangeRefused(error: ChangeError, on_reapply: Callback<()>) -> impl IntoView {
    let i18n = I18n::expect();
    let notice = |kind: &'static str, text: String, detail: Option<String>| {
        view! {
            <div class="notice notice-error" role="alert" data-review=kind>
                <p>{text}</p>
                {detail.map(|d| view! { <p><small>{d}</small></p> })}
            </div>
        }
        .into_any()
    };
    match error {
        ChangeError::Invalid(list) => view! { <ViolationList list /> }.into_any(),
        ChangeError::Conflict {
            object,
            kind,
            underneath,
        } => {
            let key = match kind {
                ConflictKind::Changed => "review.conflict.changed",
                ConflictKind::Exists => "review.conflict.exists",
                ConflictKind::Gone => "review.conflict.gone",
            };
            let text = i18n.fill(key, &[("object", &object.to_string())]);
            view! {
                <section class="notice notice-warning" role="alert" data-review="conflict">
                    <p>{text}</p>
                    <DiffTable changes=underneath />
                    <button
                        type="button"
                        class="button button-primary"
                        data-action="reapply"
                        on:click=move |_| on_reapply.run(())
                    >
                        {i18n.t("review.reapply")}
                    </button>
                </section>
            }
            .into_any()
        }
        ChangeError::DryRunRejected { object, message } => notice(
            "dry-run-rejected",
            i18n.fill(
                "review.dry_run_rejected",
                &[("object", &object.to_string())],
            ),
            Some(message),
        ),
        ChangeError::ApplyFailed {
            applied,
            failed,
            not_applied,
            message,
        } => notice(
            "apply-failed",
            i18n.fill(
                "review.apply_failed",
                &[
                    ("failed", &failed.to_string()),
                    ("applied", &objects(&applied)),
                    ("not_applied", &objects(&not_applied)),
                ],
            ),
            Some(message),
        ),
        ChangeError::ReasonTooShort { min } => notice(
            "reason",
            i18n.fill("review.reason_short", &[("min", &min.to_string())]),
            None,
        ),
        ChangeError::ReasonTooLong { max } => notice(
            "reason",
            i18n.fill("review.reason_long", &[("max", &max.to_string())]),
            None,
        ),
        ChangeError::NoChange => view! {
            <div class="notice notice-info" role="status" data-review="no-change">
                <p>{i18n.t("review.no_change")}</p>
            </div>
        }
        .into_any(),
        ChangeError::AuditUnavailable(detail) => notice(
            "audit-unavailable",
            i18n.t("review.audit_unavailable").to_string(),
            Some(detail),
        ),
        ChangeError::Kubernetes(detail) => notice(
            "kubernetes",
            i18n.t("error.generic").to_string(),
            Some(detail),
        ),
    }
}
