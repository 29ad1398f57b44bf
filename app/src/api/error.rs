//! The error every server function returns: typed, so the UI can react to each case
//! (send the user to sign in, show a permission reason) instead of showing a string.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ConsoleError {
    /// No session, or it ended (idle, lifetime, failed token refresh). Anything the user
    /// typed is still on the page; they sign in again and resubmit.
    #[error("sign-in required")]
    SignInRequired,
    /// The console refuses: the user's role does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The API server answered with an error (its status and message, for the user).
    #[error("Kubernetes API: {message} ({code})")]
    Kubernetes { code: u16, message: String },
    /// The request itself is wrong (a filter that does not parse, …); the message says how.
    #[error("{0}")]
    Invalid(String),
    /// The request is bigger than the server accepts (the limit in bytes).
    #[error("the request is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// Something the request needs is missing or down (e.g. no cluster configured).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The change pipeline refused the change, or applied only part of it (what exactly is
    /// in the value).
    #[error("{0}")]
    Change(Box<crate::domain::change::ChangeError>),
    /// Transport or encoding failures of the server function itself.
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl FromServerFnError for ConsoleError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ConsoleError::ServerFn(value)
    }
}

impl ConsoleError {
    /// HTTP status the server answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            ConsoleError::SignInRequired => 401,
            ConsoleError::Forbidden(_) => 403,
            ConsoleError::Kubernetes { code, .. } => *code,
            ConsoleError::Invalid(_) => 400,
            ConsoleError::TooLarge { .. } => 413,
            ConsoleError::Unavailable(_) => 503,
            ConsoleError::Change(e) => e.status(),
            ConsoleError::ServerFn(_) => 500,
        }
    }
}
