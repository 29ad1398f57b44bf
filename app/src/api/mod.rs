//! The API layer between the pages and the server: the typed error every server function
//! returns, the CSRF-carrying client, the session of the page, one file of `#[server]`
//! functions per area, and (server only) the port traits the server implements and the
//! role guard every server function starts with.

pub mod access;
pub mod audit;
pub mod changes;
pub mod csrf_client;
pub mod error;
pub mod exposure;
#[cfg(feature = "ssr")]
mod guard;
pub mod overview;
#[cfg(feature = "ssr")]
pub mod ports;
pub mod pruner;
pub mod registry_config;
pub mod session;
pub mod storage;
#[cfg(feature = "ssr")]
pub mod storage_drafts;

#[cfg(feature = "ssr")]
pub use guard::{require, set_status, with_service};

/// Sets the HTTP status of the response being rendered (a page's 401/403/404); nothing
/// happens in the browser.
pub fn set_http_status(_status: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(_status)
    {
        response.set_status(status);
    }
}
