//! The language in effect for the page, shared by every component through context.

use crate::i18n::{Lang, translate};
use crate::return_to::encode_query_value;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Provided by the server for each request: the language negotiated from the cookie and
/// `Accept-Language`. The shell writes it into `<html lang>`, where hydration reads it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLang(pub Lang);

/// Reactive handle on the current language; `t` looks a key up and tracks changes, so a
/// language switch re-renders text in place without a reload.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    pub fn provide(initial: Lang) -> Self {
        let i18n = I18n {
            lang: RwSignal::new(initial),
        };
        provide_context(i18n);
        i18n
    }

    pub fn expect() -> Self {
        expect_context::<I18n>()
    }

    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    pub fn t(&self, key: &str) -> &'static str {
        translate(self.lang.get(), key)
    }

    fn switch(&self, lang: Lang) {
        self.lang.set(lang);
        remember_in_browser(lang);
    }
}

/// The language the first render uses: the server's negotiation, which on the client is
/// read back from `<html lang>` so hydration renders exactly the same text.
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
        use_context::<RequestLang>()
            .map(|r| r.0)
            .unwrap_or_default()
    }
}

#[cfg(feature = "hydrate")]
fn remember_in_browser(lang: Lang) {
    use crate::i18n::LANG_COOKIE;
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
    if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
        let secure = html
            .location()
            .and_then(|l| l.protocol().ok())
            .is_some_and(|p| p == "https:");
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
            lang.code(),
            if secure { "; Secure" } else { "" }
        );
        let _ = html.set_cookie(&cookie);
    }
}

/// On the server a switch is a plain link to `/lang/…`; nothing to remember here.
#[cfg(not(feature = "hydrate"))]
fn remember_in_browser(_lang: Lang) {}

/// Links to every language. Without JavaScript they go through the server's `/lang/…`
/// route, which sets the cookie and comes back; with it, the switch happens in place.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = I18n::expect();
    let location = use_location();
    view! {
        <nav class="lang-switch" aria-label=move || i18n.t("lang.label")>
            {Lang::ALL
                .into_iter()
                .map(|lang| {
                    let href = move || {
                        let search = location.search.get();
                        let separator = if search.is_empty() || search.starts_with('?') { "" } else { "?" };
                        let here = format!("{}{separator}{search}", location.pathname.get());
                        format!("/lang/{}?return_to={}", lang.code(), encode_query_value(&here))
                    };
                    view! {
                        <a
                            href=href
                            hreflang=lang.code()
                            lang=lang.code()
                            class="lang-option"
                            aria-current=move || (i18n.lang() == lang).then_some("true")
                            title=move || i18n.t("lang.switch_to")
                            on:click=move |ev| {
                                ev.prevent_default();
                                i18n.switch(lang);
                            }
                        >
                            {lang.native_name()}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
