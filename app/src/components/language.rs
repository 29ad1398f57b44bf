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

    /// [`Self::fill`], with each value that is not a number set apart as a name
    /// (`translate="no"`): a user's name, an object, a message that came from the cluster
    /// stays as it is inside a sentence in the user's language.
    pub fn fill_marked(&self, key: &str, params: &[(&str, &str)]) -> AnyView {
        // Fill with markers (private-use characters), then put the values in at them.
        // Numbers stay: they choose the plural form and read the same in every language.
        let marker = |i: usize| format!("\u{E000}{i}\u{E001}");
        let marked: Vec<(String, String)> = params
            .iter()
            .enumerate()
            .map(|(i, (name, value))| {
                let shown = if value.parse::<f64>().is_ok() {
                    value.to_string()
                } else {
                    marker(i)
                };
                (name.to_string(), shown)
            })
            .collect();
        let refs: Vec<(&str, &str)> = marked
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let text = crate::i18n::text(self.lang, key, &refs);
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find('\u{E000}') {
            let Some(end) = rest[start..].find('\u{E001}') else {
                break;
            };
            parts.push(rest[..start].to_string().into_any());
            let index: Option<usize> = rest[start + '\u{E000}'.len_utf8()..start + end]
                .parse()
                .ok();
            if let Some((_, value)) = index.and_then(|i| params.get(i)) {
                let value = value.to_string();
                parts.push(view! { <span translate="no">{value}</span> }.into_any());
            }
            rest = &rest[start + end + '\u{E001}'.len_utf8()..];
        }
        parts.push(rest.to_string().into_any());
        parts.collect_view().into_any()
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use leptos::tachys::view::RenderHtml;

    #[test]
    fn filled_values_are_set_apart_and_numbers_choose_the_plural() {
        let owner = Owner::new();
        owner.with(|| {
            let i18n = I18n::provide(Lang::Ja);
            let html = i18n
                .fill_marked(
                    "doctor.after_change",
                    &[("change", "c-1"), ("actor", "Sandbox <Admin>")],
                )
                .to_html()
                .replace("<!>", "");
            assert!(
                html.contains(r#"<span translate="no">Sandbox &lt;Admin&gt;</span>"#),
                "{html}"
            );
            assert!(
                html.contains(r#"<span translate="no">c-1</span>"#),
                "{html}"
            );
            assert!(!html.contains('\u{E000}'), "{html}");
            let en = I18n::provide(Lang::En);
            let plural = en
                .fill_marked("audit.restore.kept_secrets", &[("count", "1")])
                .to_html()
                .replace("<!>", "");
            assert_eq!(
                plural,
                en.fill("audit.restore.kept_secrets", &[("count", "1")])
            );
        });
    }
}
