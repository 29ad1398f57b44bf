//! Registry Console front end and shared pure logic.
//!
//! Compiled twice: with `ssr` into the server (rendering every page to HTML), and with
//! `hydrate` into the WASM bundle, which holds only the islands (the interactive parts of
//! a page; each is its own lazily loaded chunk). Modules form layers, and imports run one
//! way only (a test checks): `i18n` and `domain` (pure rules and types) ← `api` (ports,
//! role guard, errors, server functions) ← `components` (shared widgets) ← `pages` ← `app`
//! (the shell and the routes).

// Server rendering computes the layout of deeply nested view types (a view in a view in
// an async block); the default limit of 128 is not enough for the change review.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod i18n;
#[cfg(test)]
mod invariants;
pub mod pages;

pub use app::App;
#[cfg(feature = "ssr")]
pub use app::{SplitManifest, shell};

/// Entry point of the WASM bundle: hydrates the islands of the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
