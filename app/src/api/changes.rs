//! Every change to the cluster, from any page (SPEC §5). The draft is the page's own
//! submission as JSON, decoded by that area's service after the role check (a form
//! encoding would also turn nested values into strings).
//!
//! Two shapes of the same operations: typed (`preview_change`, `apply_change`,
//! `change_follow_up`: the API, for scripts and tests) and rendered (`review_change`, in
//! `components::change_review`: what the shared change review shows, as HTML in the
//! user's language, so that no island has to carry the review's views and types). The
//! rendered one's reply and error types are here.

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
    /// The rules the draft breaks, as the user types (field errors only, no HTML).
    Check,
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
    /// The request was larger than the server accepts (the limit in bytes).
    TooLarge(u64),
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
        if text.trim() == "\"SignInRequired\"" {
            ReplyError::SignInRequired
        } else if let Some(rest) = text.strip_prefix("{\"TooLarge\":{\"limit\":") {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            ReplyError::TooLarge(digits.parse().unwrap_or_default())
        } else {
            ReplyError::Failed(text.into_owned())
        }
    }
}
