//! The console's pages (SPEC §6) and what the navigation shows for each.

use crate::language::I18n;
use leptos::prelude::*;

/// A page of the console, in navigation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Overview,
    Logs,
    Configuration,
    Storage,
    Exposure,
    CaTrust,
    Access,
    Pruner,
    Audit,
}

impl Page {
    pub const ALL: [Page; 9] = [
        Page::Overview,
        Page::Logs,
        Page::Configuration,
        Page::Storage,
        Page::Exposure,
        Page::CaTrust,
        Page::Access,
        Page::Pruner,
        Page::Audit,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Page::Overview => "/",
            Page::Logs => "/logs",
            Page::Configuration => "/configuration",
            Page::Storage => "/storage",
            Page::Exposure => "/exposure",
            Page::CaTrust => "/ca-trust",
            Page::Access => "/access",
            Page::Pruner => "/pruner",
            Page::Audit => "/audit",
        }
    }

    /// Catalogue key of the page's name in the navigation and its heading.
    pub fn title_key(self) -> &'static str {
        match self {
            Page::Overview => "nav.overview",
            Page::Logs => "nav.logs",
            Page::Configuration => "nav.configuration",
            Page::Storage => "nav.storage",
            Page::Exposure => "nav.exposure",
            Page::CaTrust => "nav.ca_trust",
            Page::Access => "nav.access",
            Page::Pruner => "nav.pruner",
            Page::Audit => "nav.audit",
        }
    }

    /// Catalogue key of the one-sentence description under the heading.
    pub fn summary_key(self) -> &'static str {
        match self {
            Page::Overview => "page.overview.summary",
            Page::Logs => "page.logs.summary",
            Page::Configuration => "page.configuration.summary",
            Page::Storage => "page.storage.summary",
            Page::Exposure => "page.exposure.summary",
            Page::CaTrust => "page.ca_trust.summary",
            Page::Access => "page.access.summary",
            Page::Pruner => "page.pruner.summary",
            Page::Audit => "page.audit.summary",
        }
    }
}

/// A page whose issue has not landed yet: its place in the console, what it will do, and
/// a plain statement that it is not available.
#[component]
pub fn PlannedPage(page: Page) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <section class="page" data-page=page.path()>
            <h1>{move || i18n.t(page.title_key())}</h1>
            <p class="summary">{move || i18n.t(page.summary_key())}</p>
            <div class="notice notice-info" role="status">
                <h2>{move || i18n.t("page.not_available.title")}</h2>
                <p>{move || i18n.t("page.not_available.body")}</p>
            </div>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = I18n::expect();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="page">
            <h1>{move || i18n.t("page.not_found.title")}</h1>
            <p>{move || i18n.t("page.not_found.body")}</p>
            <p>
                <a href="/">{move || i18n.t("page.not_found.home")}</a>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, parse_catalogue};

    #[test]
    fn every_page_has_text_in_every_language() {
        for lang in Lang::ALL {
            let source = match lang {
                Lang::En => include_str!("../locales/en.txt"),
                Lang::Ja => include_str!("../locales/ja.txt"),
            };
            let catalogue = parse_catalogue(source).expect("catalogue parses");
            for page in Page::ALL {
                for key in [page.title_key(), page.summary_key()] {
                    assert!(catalogue.contains_key(key), "{lang:?} lacks {key}");
                }
            }
        }
    }

    #[test]
    fn paths_are_unique_and_absolute() {
        let mut paths: Vec<_> = Page::ALL.iter().map(|p| p.path()).collect();
        assert!(paths.iter().all(|p| p.starts_with('/')));
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), Page::ALL.len());
    }
}
