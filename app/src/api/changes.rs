//! Every change to the cluster, from any page (SPEC §5). The draft is the page's own
//! submission as JSON, decoded by that area's service after the role check (a form
//! encoding would also turn nested values into strings).
//!
//! Two shapes of the same operations: typed (`preview_change`, `apply_change`,
//! `change_follow_up`: the API, for scripts and tests) and rendered (`review_change`: what
//! the shared change review shows, as HTML in the user's language, so that no island has
//! to carry the review's views and types).

use super::error::ConsoleError;
use crate::domain::change::{Applied, ChangeArea, ChangePreview, FollowUpView};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[leptos::server(prefix = "/api", endpoint = "preview_change", client = super::csrf_client::CsrfClient)]
pub async fn preview_change(
    #[server(default)] area: ChangeArea,
    #[server(default)] draft: String,
) -> Result<ChangePreview, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::Admins,
        "changing the cluster",
        |services| services.changes(area),
        |changes| async move { changes.preview(draft).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "apply_change", client = super::csrf_client::CsrfClient)]
pub async fn apply_change(
    #[server(default)] area: ChangeArea,
    #[server(default)] draft: String,
    #[server(default)] reason: String,
) -> Result<Applied, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::Admins,
        "changing the cluster",
        |services| services.changes(area),
        |changes| async move { changes.apply(draft, reason).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "change_follow_up", client = super::csrf_client::CsrfClient)]
pub async fn change_follow_up(
    #[server(default)] change_id: String,
) -> Result<FollowUpView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::Admins,
        "following a change",
        |services| services.follow_ups(),
        |follow_ups| async move { follow_ups.get(change_id).await },
    )
    .await
}

/// What the change review asks of the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewStep {
    #[default]
    Preview,
    Apply,
    /// How the follow-up of an applied change stands.
    Follow,
}

/// Where the review puts a reply's HTML.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Slot {
    /// The whole review (a preview, a refusal, an applied change).
    #[default]
    Review,
    /// Beside the preview, which stays (a reason too short or too long).
    ApplyError,
    /// Under the applied change.
    FollowUp,
}

/// A broken rule of one field, with its message in the user's language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub text: String,
}

/// The review's answer, rendered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewReply {
    pub html: String,
    pub slot: Slot,
    /// The HTML is a preview of the draft sent (apply is offered for exactly that draft).
    pub previewed: bool,
    /// The change was applied.
    pub applied: bool,
    /// A change to keep following (its follow-up is not final yet).
    pub follow: Option<String>,
    /// The rules broken, per field, for the page's form.
    pub field_errors: Vec<FieldError>,
}

/// A reply the review could not get: the session ended, the request was too large, or
/// anything else (the role check, the transport). Decoded by hand from the body, so an
/// island does not carry the full [`ConsoleError`] decoder for the review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplyError {
    SignInRequired,
    TooLarge,
    Failed(String),
}

impl FromServerFnError for ReplyError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ReplyError::Failed(value.to_string())
    }

    fn de(data: bytes::Bytes) -> Self {
        // The guard answers a lapsed session with `ConsoleError::SignInRequired` and the
        // size limit with `ConsoleError::TooLarge`; both are JSON of that shape.
        let text = String::from_utf8_lossy(&data);
        if text.contains("SignInRequired") {
            ReplyError::SignInRequired
        } else if text.contains("TooLarge") {
            ReplyError::TooLarge
        } else {
            ReplyError::Failed(text.into_owned())
        }
    }
}

impl ReviewReply {
    /// The notice for a reply that did not come (built in the browser: the server could not
    /// render it).
    pub fn from_error(error: ReplyError) -> Self {
        let i18n = crate::components::language::I18n::expect();
        let (kind, text, link) = match &error {
            ReplyError::SignInRequired => (
                "sign-in-required",
                i18n.t("error.sign_in_required").to_string(),
                Some(i18n.t("signin.button")),
            ),
            ReplyError::TooLarge => ("too-large", i18n.t("error.generic").to_string(), None),
            ReplyError::Failed(detail) => (
                "other",
                format!("{} {detail}", i18n.t("error.generic")),
                None,
            ),
        };
        let link = link
            .map(|label| {
                format!(
                    "<p><a href=\"/sign-in?reason=expired\" target=\"_blank\" rel=\"external\">{}</a></p>",
                    escape(label)
                )
            })
            .unwrap_or_default();
        ReviewReply {
            html: format!(
                "<div class=\"notice notice-warning\" role=\"alert\" data-error=\"{kind}\"><p>{}</p>{link}</div>",
                escape(&text)
            ),
            ..Default::default()
        }
    }
}

/// `text` safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[leptos::server(prefix = "/api", endpoint = "review_change", client = super::csrf_client::CsrfClient)]
pub async fn review_change(
    #[server(default)] area: ChangeArea,
    #[server(default)] step: ReviewStep,
    #[server(default)] draft: String,
    #[server(default)] reason: String,
    #[server(default)] change_id: String,
) -> Result<ReviewReply, ReplyError> {
    use crate::components::change_review::render::{
        AppliedPanel, FollowUpPanel, PreviewPanel, error_html, html,
    };
    use crate::domain::access::Who;
    use crate::domain::change::{ChangeError, FollowUpKind};
    use crate::domain::violation::{Severity, message};
    use leptos::prelude::*;

    let user = super::require(Who::Admins, "changing the cluster")
        .map_err(|e| ReplyError::Failed(e.to_string()))?;
    let lang = crate::components::language::I18n::expect().lang();
    let services = user.services;
    let refused = |error: ConsoleError| {
        let field_errors = match &error {
            ConsoleError::Change(change) => match change.as_ref() {
                ChangeError::Invalid(list) => list
                    .iter()
                    .filter(|v| v.severity == Severity::Error)
                    .map(|v| FieldError {
                        field: v.field.clone(),
                        text: message(lang, v),
                    })
                    .collect(),
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
                    html: html(view! { <PreviewPanel preview may_change=true /> }),
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
                    html: html(view! { <AppliedPanel applied /> }),
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
    super::set_http_status(200);
    Ok(reply)
}
