//! The language of the page, shared by every component through context, and the switch.

use crate::domain::return_to::encode_query_value;
use crate::i18n::{Lang, translate};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The page's language; `t` looks a key up in its catalogue. A switch is a page load
/// through the server (`/lang/…`), so the language never changes within a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I18n {
    lang: Lang,
}

impl I18n {
    pub fn provide(lang: Lang) -> Self {
        let i18n = I18n { lang };
        provide_context(i18n);
        i18n
    }

    /// The language in context. An island hydrating in the browser has no context from the
    /// server's render, so it takes the language from `<html lang>` (and provides it for its
    /// children).
    pub fn expect() -> Self {
        use_context::<I18n>().unwrap_or_else(|| I18n::provide(initial_lang()))
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn t(&self, key: &str) -> &'static str {
        translate(self.lang, key)
    }

    /// The text of `key` with its `{name}` placeholders filled (in the plural form the
    /// numbers among them call for).
    pub fn fill(&self, key: &str, params: &[(&str, &str)]) -> String {
        crate::i18n::text(self.lang, key, params)
    }
}

/// The language the render uses: the server's negotiation, which in the browser is read
/// back from `<html lang>`.
pub fn initial_lang() -> Lang {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|tag| Lang::from_tag(&tag))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        use_context::<crate::i18n::RequestLang>()
            .map(|r| r.0)
            .unwrap_or_default()
    }
}

/// Links to every language, through the server's `/lang/…` route, which remembers the
/// choice in a cookie and comes back to the same page (query string included).
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = I18n::expect();
    let location = use_location();
    let search = location.search.get_untracked();
    let separator = if search.is_empty() || search.starts_with('?') {
        ""
    } else {
        "?"
    };
    let here = format!("{}{separator}{search}", location.pathname.get_untracked());
    view! {
        <nav class="lang-switch" aria-label=i18n.t("lang.label")>
            {Lang::ALL
                .into_iter()
                .map(|lang| {
                    let href = format!("/lang/{}?return_to={}", lang.code(), encode_query_value(&here));
                    view! {
                        <a
                            href=href
                            hreflang=lang.code()
                            lang=lang.code()
                            class="lang-option"
                            rel="external"
                            aria-current=(i18n.lang() == lang).then_some("true")
                            title=i18n.t("lang.switch_to")
                        >
                            {lang.native_name()}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
