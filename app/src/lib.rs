//! Registry Console front end and shared pure logic.
//!
//! Compiled twice: with `ssr` into the server (rendering HTML) and with `hydrate` into the
//! WASM bundle (making that HTML interactive). Modules without I/O (`i18n`, `return_to`)
//! are used by both and by the server's own handlers.

// The Configuration page's view type is deep (one nested type per field).
#![recursion_limit = "256"]

pub mod access;
pub mod audit_page;
pub mod auth_pages;
pub mod change;
pub mod config_form;
pub mod config_page;
pub mod config_rules;
pub mod csrf_client;
pub mod diff;
pub mod error;
pub mod i18n;
mod language;
mod pages;
pub mod return_to;
pub mod schema;
#[cfg(feature = "ssr")]
pub mod server_api;
pub mod session;
mod shell;

pub use language::RequestLang;
pub use pages::Page;
pub use shell::{App, shell};

/// Entry point of the WASM bundle: attaches to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
