//! The sign-in and signed-out pages.

use crate::api::session::use_session;
use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use crate::domain::return_to::{encode_query_value, safe_return_path};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Catalogue key for a `?reason=` / `?error=` code on the sign-in page. Unknown codes show
/// nothing rather than echoing text from the URL.
pub fn sign_in_message_key(code: &str) -> Option<&'static str> {
    Some(match code {
        "idle" => "signin.reason.idle",
        "expired" => "signin.reason.expired",
        "refresh_failed" => "signin.reason.refresh_failed",
        "required" => "signin.reason.required",
        "state_mismatch" => "signin.error.state_mismatch",
        "provider" => "signin.error.provider",
        "token_invalid" => "signin.error.token_invalid",
        "exchange_failed" => "signin.error.exchange_failed",
        "unavailable" => "signin.error.unavailable",
        _ => return None,
    })
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let i18n = I18n::expect();
    let query = use_query_map();
    let query = query.read_untracked();
    let message = query
        .get("error")
        .map(|code| (code, true))
        .or_else(|| query.get("reason").map(|code| (code, false)))
        .and_then(|(code, is_error)| sign_in_message_key(&code).map(|key| (key, is_error)));
    let target = query.get("return_to");
    let login_href = format!(
        "/auth/login?return_to={}",
        encode_query_value(safe_return_path(target.as_deref()))
    );
    view! {
        <PageFrame title_key="signin.title" data_page="/sign-in" narrow=true>
            {message
                .map(|(key, is_error)| {
                    let class = if is_error { "notice notice-error" } else { "notice notice-warning" };
                    view! {
                        <div class=class role="alert" data-message=key>
                            <p>{i18n.t(key)}</p>
                        </div>
                    }
                })}
            {match use_session() {
                Some(user) => {
                    view! {
                        <p>{i18n.t("signin.already")} " " <strong>{user.name}</strong></p>
                        <p>
                            <a class="button" href="/">{i18n.t("signin.continue")}</a>
                        </p>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <p>{i18n.t("signin.body")}</p>
                        <p>
                            <a class="button button-primary" href=login_href rel="external" data-action="sign-in">
                                {i18n.t("signin.button")}
                            </a>
                        </p>
                    }
                        .into_any()
                }
            }}
        </PageFrame>
    }
}

#[component]
pub fn SignedOutPage() -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <PageFrame title_key="signedout.title" data_page="/signed-out" narrow=true>
            <p>{i18n.t("signedout.body")}</p>
            <p>
                <a class="button" href="/sign-in">{i18n.t("signin.button")}</a>
            </p>
        </PageFrame>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, has_key};

    #[test]
    fn every_reason_and_error_code_has_text_and_others_have_none() {
        let codes = [
            "idle",
            "expired",
            "refresh_failed",
            "required",
            "state_mismatch",
            "provider",
            "token_invalid",
            "exchange_failed",
            "unavailable",
        ];
        for code in codes {
            let key = sign_in_message_key(code).expect("known code");
            for lang in Lang::ALL {
                assert!(has_key(lang, key), "{lang:?} lacks {key}");
            }
        }
        assert_eq!(sign_in_message_key("<script>"), None);
    }
}
