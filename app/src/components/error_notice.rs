//! A server function's error, as every page shows it.

use crate::api::error::ConsoleError;
use crate::components::language::I18n;
use leptos::prelude::*;

/// A server function's error, in the user's language. A lapsed session keeps the page (and
/// anything typed into it) and offers sign-in in a new tab.
#[component]
pub fn ErrorNotice(error: ConsoleError) -> impl IntoView {
    let i18n = I18n::expect();
    match error {
        ConsoleError::SignInRequired => view! {
            <div class="notice notice-warning" role="alert" data-error="sign-in-required">
                <p>{i18n.t("error.sign_in_required")}</p>
                <p>
                    <a href="/sign-in?reason=expired" target="_blank" rel="external">
                        {i18n.t("signin.button")}
                    </a>
                </p>
            </div>
        }
        .into_any(),
        ConsoleError::Forbidden(detail) => view! {
            <div class="notice notice-error" role="alert" data-error="forbidden">
                <p>{i18n.t("error.forbidden")}</p>
                <p><small>{detail}</small></p>
            </div>
        }
        .into_any(),
        ConsoleError::TooLarge { limit } => {
            let text = i18n.fill("error.too_large", &[("limit", &(limit / 1024).to_string())]);
            view! {
                <div class="notice notice-error" role="alert" data-error="too-large">
                    <p>{text}</p>
                </div>
            }
            .into_any()
        }
        other => {
            let text = other.to_string();
            view! {
                <div class="notice notice-error" role="alert" data-error="other">
                    <p>{i18n.t("error.generic")}</p>
                    <p><small>{text}</small></p>
                </div>
            }
            .into_any()
        }
    }
}
