//! The one change review (SPEC §5) every write in the console goes through: a page hands
//! it a draft (its own submission, as JSON) and the review shows the rules the change
//! breaks, its warnings, the diff of each object, the `oc` commands, the dry-run result,
//! the reason box, apply, what changed underneath on a conflict (with re-apply on top),
//! and the live follow-up until the change is healthy or not.
//!
//! It has two halves. The panels are rendered on the server ([`render`], served by
//! [`review_change`]), in the user's language, from the change pipeline's typed answer; the
//! browser only receives their HTML. The browser side ([`ChangeReview`], [`Review`], part
//! of each page's island) is a small controller: it sends the draft,
//! puts the returned HTML in place, wires the panel's buttons, and keeps the field errors
//! for the page's form. That keeps the diff tables, the error variants and their decoding
//! out of every island's WASM.
//!
//! After a preview or an apply, focus moves to the result, so keyboard and screen-reader
//! users land on what happened instead of on `<body>` (the button they pressed is disabled
//! while the request runs).

use crate::api::changes::{FieldError, ReplyError, ReviewReply, ReviewStep, Slot};
use crate::components::language::I18n;
use crate::domain::change::ChangeArea;
use leptos::prelude::*;

/// A page's handle on its change review: the page starts a preview, reads the errors for
/// its fields, and resets; the [`ChangeReview`] component shows the rest.
#[derive(Clone, Copy)]
pub struct Review {
    area: ChangeArea,
    /// The panels' HTML, rendered by the server.
    html: RwSignal<String>,
    /// The draft the shown preview is of (apply is offered only for it).
    previewed: RwSignal<Option<String>>,
    field_errors: RwSignal<Vec<FieldError>>,
    pending: RwSignal<bool>,
    /// Counts results, so the panel moves focus to each new one.
    results: RwSignal<u32>,
}

impl Review {
    pub fn new(area: ChangeArea) -> Self {
        Review {
            area,
            html: RwSignal::new(String::new()),
            previewed: RwSignal::new(None),
            field_errors: RwSignal::new(Vec::new()),
            pending: RwSignal::new(false),
            results: RwSignal::new(0),
        }
    }

    /// Checks `draft` up to and including the API server's dry run; nothing is changed.
    pub fn preview(self, draft: String) {
        self.reset();
        self.send(ReviewStep::Preview, draft, String::new(), None, None);
    }

    /// Sends one step to the server and shows its answer when it comes (the page may be
    /// gone meanwhile: then nothing happens).
    fn send(
        self,
        step: ReviewStep,
        draft: String,
        reason: String,
        on_applied: Option<Callback<()>>,
        on_settled: Option<Callback<()>>,
    ) {
        self.pending.set(true);
        leptos::task::spawn_local(async move {
            let reply = review_change(self.area, step, draft.clone(), reason, String::new())
                .await
                .unwrap_or_else(error_reply);
            self.pending.try_set(false);
            self.field_errors.try_set(reply.field_errors.clone());
            match reply.slot {
                Slot::Review => {
                    self.previewed.try_set(reply.previewed.then_some(draft));
                    self.html.try_set(reply.html);
                }
                Slot::ApplyError => set_slot("apply-error", &reply.html),
                Slot::FollowUp => set_slot("follow-up", &reply.html),
            }
            self.results.try_update(|n| *n += 1);
            if reply.applied
                && let Some(on_applied) = on_applied
            {
                on_applied.run(());
            }
            if let Some(change_id) = reply.follow {
                follow(self, change_id, 400, on_settled);
            }
        });
    }

    /// Back to no review (the page's "reset", or a new edit base).
    pub fn reset(self) {
        self.html.set(String::new());
        self.previewed.set(None);
        self.field_errors.set(Vec::new());
    }

    /// A preview or apply is running.
    pub fn busy(self) -> bool {
        self.pending.get()
    }

    /// The field errors of the last preview or apply, for the page's form.
    pub fn field_errors(self) -> Signal<Vec<FieldError>> {
        self.field_errors.into()
    }
}

/// Puts `html` into the panel's `data-slot` element (the slots are in the server's HTML).
fn set_slot(_slot: &str, _html: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(element) = web_sys::window().and_then(|w| w.document()).and_then(|d| {
        d.query_selector(&format!("[data-review-region] [data-slot=\"{_slot}\"]"))
            .ok()
            .flatten()
    }) {
        element.set_inner_html(_html);
    }
}

/// Polls the server's follow-up of `change_id` until it is final (the server records the
/// outcome on its own; this is what the user watches). At most `left` more times. When it
/// is final, `on_settled` refreshes the page: what the operator did since the apply (the
/// status, the generation, the defaults it filled in) is on the page, not only the outcome.
fn follow(review: Review, change_id: String, left: u32, on_settled: Option<Callback<()>>) {
    leptos::task::spawn_local(async move {
        // The page is gone (or the review was reset): stop.
        if review.html.is_disposed() {
            return;
        }
        let reply = review_change(
            review.area,
            ReviewStep::Follow,
            String::new(),
            String::new(),
            change_id.clone(),
        )
        .await;
        let done = match reply {
            Ok(reply) => {
                set_slot("follow-up", &reply.html);
                reply.follow.is_none()
            }
            Err(_) => false,
        };
        if done && let Some(on_settled) = on_settled {
            on_settled.run(());
        }
        if !done && left > 0 {
            set_timeout(
                move || follow(review, change_id, left - 1, on_settled),
                std::time::Duration::from_millis(1500),
            );
        }
    });
}

/// The text of a button's `data-action` a click landed on, if any (clicks inside the
/// server's HTML are handled here, by delegation).
fn clicked_action(ev: &leptos::ev::MouseEvent) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
        let button = target.closest("[data-action]").ok()??;
        button.get_attribute("data-action")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

/// The reason typed into the panel.
fn typed_reason() -> String {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| {
                d.query_selector("[data-review-region] textarea[name=\"reason\"]")
                    .ok()
                    .flatten()
            })
            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
            .map(|t| t.value())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

#[component]
pub fn ChangeReview(
    review: Review,
    /// The page's current draft: a preview of another draft is stale.
    #[prop(into)]
    draft: Signal<String>,
    /// The console role and the API server both allow this change.
    may_change: bool,
    /// After an apply (the page continues from the new version).
    on_applied: Callback<()>,
    /// After a conflict: the page reloads the objects and keeps the user's edits.
    on_reapply: Callback<()>,
    /// When an applied change settled (its follow-up is final): the page reads what the
    /// operator did meanwhile, keeping any new edits.
    #[prop(optional)]
    on_settled: Option<Callback<()>>,
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
    let stale = move || {
        review
            .previewed
            .with(|p| p.as_ref().is_some_and(|p| draft.with(|d| d != p)))
    };
    let status = move || {
        if review.pending.get() {
            i18n.t("review.status.working")
        } else {
            ""
        }
    };
    let on_click = move |ev: leptos::ev::MouseEvent| match clicked_action(&ev).as_deref() {
        Some("apply") if may_change && !review.pending.get_untracked() && !stale() => {
            let draft = review.previewed.get_untracked().unwrap_or_default();
            review.send(
                ReviewStep::Apply,
                draft,
                typed_reason(),
                Some(on_applied),
                on_settled,
            );
        }
        Some("reapply") => {
            review.reset();
            on_reapply.run(());
        }
        _ => {}
    };
    view! {
        <div
            class="review-region"
            data-review-region=""
            tabindex="-1"
            node_ref=region
            role="region"
            aria-label=i18n.t("review.title")
            on:click=on_click
        >
            <p class="visually-hidden" aria-live="polite">{status}</p>
            <Show when=stale>
                <p class="notice notice-warning" data-review="stale">{i18n.t("review.stale")}</p>
            </Show>
            <div inner_html=move || review.html.get()></div>
        </div>
    }
}

/// The notice for a reply that did not come (built in the browser: the server could not
/// render it). Only catalogue text goes into the HTML, never text from the response.
fn error_reply(error: ReplyError) -> ReviewReply {
    let i18n = I18n::expect();
    let (kind, text, sign_in) = match error {
        ReplyError::SignInRequired => (
            "sign-in-required",
            i18n.t("error.sign_in_required").to_string(),
            true,
        ),
        // Filled directly, not with `I18n::fill`: the message has no plural forms, and the
        // plural rules would add about 15 KB gzipped to every island.
        ReplyError::TooLarge(limit) => (
            "too-large",
            crate::i18n::fill(
                i18n.t("error.too_large"),
                &[("limit", &(limit / 1024).to_string())],
            ),
            false,
        ),
        ReplyError::Failed(_) => ("other", i18n.t("error.generic").to_string(), false),
    };
    let link = if sign_in {
        format!(
            "<p><a href=\"/sign-in?reason=expired\" target=\"_blank\" rel=\"external\">{}</a></p>",
            escape(i18n.t("signin.button"))
        )
    } else {
        String::new()
    };
    ReviewReply {
        html: format!(
            "<div class=\"notice notice-error\" role=\"alert\" data-error=\"{kind}\"><p>{}</p>{link}</div>",
            escape(&text)
        ),
        ..Default::default()
    }
}

/// `text` safe inside HTML.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[leptos::server(prefix = "/api", endpoint = "review_change", client = crate::api::csrf_client::CsrfClient)]
pub async fn review_change(
    #[server(default)] area: ChangeArea,
    #[server(default)] step: ReviewStep,
    #[server(default)] draft: String,
    #[server(default)] reason: String,
    #[server(default)] change_id: String,
) -> Result<ReviewReply, ReplyError> {
    use crate::api::changes::Slot;
    use crate::api::error::ConsoleError;
    use crate::domain::access::Who;
    use crate::domain::change::{ChangeError, FollowUpKind};
    use crate::domain::violation::{Severity, message};
    use leptos::prelude::*;
    use render::{AppliedPanel, FollowUpPanel, PreviewPanel, error_html, html};

    let user = crate::api::require(Who::Admins, "changing the cluster")
        .map_err(|e| ReplyError::Failed(e.to_string()))?;
    let lang = crate::components::language::I18n::expect().lang();
    let services = user.services;
    // The broken rules, per field, in the user's language (warnings stay in the panel).
    let field_errors = |list: &[crate::domain::violation::Violation]| -> Vec<FieldError> {
        list.iter()
            .filter(|v| v.severity == Severity::Error)
            .map(|v| FieldError {
                field: v.field.clone(),
                text: message(lang, v),
            })
            .collect()
    };
    let refused = |error: ConsoleError| {
        let field_errors = match &error {
            ConsoleError::Change(change) => match change.as_ref() {
                ChangeError::Invalid(list) => field_errors(list),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        ReviewReply {
            html: error_html(error),
            field_errors,
            ..Default::default()
        }
    };
    let reply = match step {
        ReviewStep::Preview => match services.changes(area) {
            Ok(changes) => match changes.preview(draft).await {
                Ok(preview) => ReviewReply {
                    html: html(view! { <PreviewPanel preview /> }),
                    previewed: true,
                    ..Default::default()
                },
                Err(e) => refused(e),
            },
            Err(e) => refused(e),
        },
        ReviewStep::Apply => match services.changes(area) {
            Ok(changes) => match changes.apply(draft, reason).await {
                Ok(applied) => ReviewReply {
                    follow: (applied.follow_up != FollowUpKind::None)
                        .then(|| applied.change_id.clone()),
                    applied: true,
                    html: html(view! { <AppliedPanel applied area /> }),
                    ..Default::default()
                },
                Err(ConsoleError::Change(error))
                    if matches!(
                        *error,
                        ChangeError::ReasonTooShort { .. } | ChangeError::ReasonTooLong { .. }
                    ) =>
                {
                    ReviewReply {
                        html: error_html(ConsoleError::Change(error)),
                        slot: Slot::ApplyError,
                        ..Default::default()
                    }
                }
                Err(e) => refused(e),
            },
            Err(e) => refused(e),
        },
        ReviewStep::Check => match services.changes(area) {
            Ok(changes) => match changes.check(draft).await {
                Ok(found) => ReviewReply {
                    field_errors: field_errors(&found),
                    ..Default::default()
                },
                Err(e) => refused(e),
            },
            Err(e) => refused(e),
        },
        ReviewStep::Follow => match services.follow_ups() {
            Ok(follow_ups) => match follow_ups.get(change_id.clone()).await {
                Ok(view) => ReviewReply {
                    follow: (!view.state.is_final()).then_some(change_id),
                    html: html(view! { <FollowUpPanel view /> }),
                    slot: Slot::FollowUp,
                    ..Default::default()
                },
                Err(e) => ReviewReply {
                    slot: Slot::FollowUp,
                    ..refused(e)
                },
            },
            Err(e) => ReviewReply {
                slot: Slot::FollowUp,
                ..refused(e)
            },
        },
    };
    // The reply is the answer, refusals included: the status stays 200.
    crate::api::set_http_status(200);
    Ok(reply)
}

/// The review's panels, rendered on the server in the request's language.
#[cfg(feature = "ssr")]
pub mod render {
    use crate::api::error::ConsoleError;
    use crate::components::conditions::ConditionsTable;
    use crate::components::diff_table::DiffTable;
    use crate::components::error_notice::ErrorNotice;
    use crate::components::language::I18n;
    use crate::components::plain_fields::CopyButton;
    use crate::components::violations::ViolationList;
    use crate::domain::change::{
        Applied, ChangeArea, ChangeError, ChangePreview, ConflictKind, FollowUpKind, FollowUpState,
        FollowUpView, ObjectRef, Operation, StepPreview,
    };
    use crate::domain::violation::{Severity, Violation};
    use leptos::prelude::*;
    use leptos::tachys::view::RenderHtml;

    /// A view as HTML (the caller's reactive owner provides the language).
    pub fn html(view: impl IntoView) -> String {
        view.into_view().to_html()
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
                            <CopyButton />
            <PlaceholdersNote placeholders=step.placeholders />
        }
    }

    /// Where the values of a command's secret placeholders go: the console never shows
    /// them, so the user fills them in before running it.
    #[component]
    fn PlaceholdersNote(placeholders: Vec<String>) -> impl IntoView {
        let i18n = I18n::expect();
        (!placeholders.is_empty()).then(|| {
            let text = i18n.fill(
                "review.placeholders",
                &[("names", &placeholders.join(", "))],
            );
            view! { <p class="help" data-placeholders="">{text}</p> }
        })
    }

    /// The preview: warnings, each object's diff and command, the dry run, the reason box
    /// and Apply (a user who may not apply a change cannot preview it either).
    #[component]
    pub fn PreviewPanel(
        preview: ChangePreview,
        /// Inside a plain form (no JavaScript): Apply submits it, with `action=apply`.
        #[prop(optional)]
        submits: bool,
    ) -> impl IntoView {
        let i18n = I18n::expect();
        let warnings: Vec<Violation> = preview
            .warnings
            .into_iter()
            .filter(|v| v.severity == Severity::Warning)
            .collect();
        view! {
            <section class="card review" data-review="preview">
                <h2>{i18n.t("review.title")}</h2>
                {(!warnings.is_empty()).then(|| view! { <ViolationList list=warnings warning=true /> })}
                {preview.steps.into_iter().map(|step| view! { <StepView step /> }).collect_view()}
                <p class="notice notice-info" data-dry-run="accepted">{i18n.t("review.dry_run_ok")}</p>
                <label class="field">
                    <span class="label">{i18n.t("review.reason")}</span>
                    <span class="help">{i18n.t("review.reason_help")}</span>
                    <textarea name="reason" rows="2">{preview.suggested_reason}</textarea>
                </label>
                <div data-slot="apply-error"></div>
                <button
                    type=if submits { "submit" } else { "button" }
                    name=submits.then_some("action")
                    value=submits.then_some("apply")
                    class="button button-primary"
                    data-action="apply"
                >
                    {i18n.t("review.apply")}
                </button>
            </section>
        }
    }

    /// Applied: the change's id, its commands, and the place the follow-up goes.
    #[component]
    pub fn AppliedPanel(applied: Applied, area: ChangeArea) -> impl IntoView {
        let i18n = I18n::expect();
        let text = i18n.fill("review.applied", &[("id", &applied.change_id)]);
        let audit = format!(
            "/audit?change={}",
            crate::domain::return_to::encode_query_value(&applied.change_id)
        );
        let (next_page, next_key) = area.next_step();
        view! {
            <section class="notice notice-info" data-review="applied" data-change=applied.change_id.clone()>
                <h2>{i18n.t("review.status.applied")}</h2>
                <p>{text}</p>
                <p class="applied-links">
                    <a href=audit data-audit-link="">{i18n.t("review.applied.audit_link")}</a>
                    " · "
                    <a href=next_page.path() data-next-step=next_page.path()>{i18n.t(next_key)}</a>
                </p>
                {applied
                    .steps
                    .into_iter()
                    .map(|step| {
                        view! {
                            <pre class="code" data-oc-command="">{step.oc_command}</pre>
                            <CopyButton />
                            <PlaceholdersNote placeholders=step.placeholders />
                        }
                    })
                    .collect_view()}
            </section>
            <div data-slot="follow-up" aria-live="polite"></div>
        }
    }

    #[component]
    pub fn FollowUpPanel(view: FollowUpView) -> impl IntoView {
        let i18n = I18n::expect();
        let (class, key) = match view.state {
            FollowUpState::Healthy => ("notice notice-info", "review.follow.healthy"),
            FollowUpState::Degraded => ("notice notice-error", "review.follow.degraded"),
            FollowUpState::TimedOut => ("notice notice-warning", "review.follow.timeout"),
            FollowUpState::Pending => ("notice notice-warning", "review.follow.pending"),
            FollowUpState::Superseded => ("notice notice-info", "review.follow.superseded"),
        };
        let superseded = view.superseded_by.clone().map(|id| {
            let href = format!(
                "/audit?change={}",
                crate::domain::return_to::encode_query_value(&id)
            );
            let attr = id.clone();
            view! {
                <p data-superseded-by=attr>
                    {i18n.t("review.follow.superseded_by")}
                    " "
                    <a href=href>{id}</a>
                </p>
            }
        });
        let progress = match &view.kind {
            // The operator writes its defaults into the spec, so the generation it observes
            // may pass this change's: then it has seen the change ("4 of 3" read as a bug).
            FollowUpKind::RegistryRollout { generation } => {
                let observed = view.observed_generation.unwrap_or(0);
                Some(if observed >= *generation {
                    i18n.fill(
                        "review.follow.rollout_seen",
                        &[("observed", &observed.to_string())],
                    )
                } else {
                    i18n.fill(
                        "review.follow.rollout",
                        &[
                            ("observed", &observed.to_string()),
                            ("generation", &generation.to_string()),
                        ],
                    )
                })
            }
            FollowUpKind::ClaimBound { .. } | FollowUpKind::None => None,
        };
        let claim = view.claim.as_ref().map(|name| {
            i18n.fill(
                "review.follow.claim",
                &[
                    ("name", name),
                    ("phase", view.claim_phase.as_deref().unwrap_or("—")),
                ],
            )
        });
        let claim_event = view.claim_event.clone();
        let message = view.message.clone();
        let conditions = view.conditions.clone();
        view! {
            <section class=class data-follow-up=view.state.outcome()>
                <h2>{i18n.t(key)}</h2>
                {progress.map(|p| view! { <p>{p}</p> })}
                {superseded}
                {claim.map(|c| view! { <p data-claim-phase=view.claim_phase.clone().unwrap_or_default()>{c}</p> })}
                {claim_event.map(|e| view! { <p><small data-claim-event="">{e}</small></p> })}
                {(!message.is_empty()).then(|| view! { <p><strong lang="en">{message}</strong></p> })}
                {(!conditions.is_empty())
                    .then(|| view! { <ConditionsTable conditions=Signal::stored(conditions) /> })}
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
    pub fn ChangeRefused(error: ChangeError) -> impl IntoView {
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
                        <button type="button" class="button button-primary" data-action="reapply">
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

    /// Any error of a change: the change's own refusals in full, others as the notice every
    /// page shows.
    pub fn error_html(error: ConsoleError) -> String {
        match error {
            ConsoleError::Change(change) => html(view! { <ChangeRefused error=*change /> }),
            other => html(view! { <ErrorNotice error=other /> }),
        }
    }
}
