//! The HTML document and the application frame around every page.

use crate::language::{I18n, LanguageSwitch, RequestLang, initial_lang};
use crate::pages::{NotFound, Page, PlannedPage};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

/// The whole HTML document, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = use_context::<RequestLang>()
        .map(|r| r.0)
        .unwrap_or_default();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="stylesheet" href="/pkg/registry_console.css" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let i18n = I18n::provide(initial_lang());

    // Effects run only in the browser, so this flips once hydration has happened; the
    // end-to-end tests wait for it before clicking anything.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Title text=move || i18n.t("app.name") />
        <Router>
            <div class="layout" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
                <a class="skip-link" href="#main">
                    {move || i18n.t("app.skip_to_content")}
                </a>
                <header class="topbar">
                    <a class="brand" href="/">
                        <span class="brand-mark" aria-hidden="true"></span>
                        <span class="brand-name">{move || i18n.t("app.name")}</span>
                    </a>
                    <span class="tagline">{move || i18n.t("app.tagline")}</span>
                    <LanguageSwitch />
                </header>
                <nav class="sidebar" aria-label=move || i18n.t("nav.label")>
                    <ul>
                        {Page::ALL
                            .into_iter()
                            .map(|page| {
                                view! {
                                    <li>
                                        <A href=page.path() exact=true>
                                            {move || i18n.t(page.title_key())}
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
                <main id="main" class="content">
                    <Routes fallback=|| view! { <NotFound /> }>
                        <Route path=path!("/") view=|| view! { <PlannedPage page=Page::Overview /> } />
                        <Route path=path!("/logs") view=|| view! { <PlannedPage page=Page::Logs /> } />
                        <Route
                            path=path!("/configuration")
                            view=|| view! { <PlannedPage page=Page::Configuration /> }
                        />
                        <Route path=path!("/storage") view=|| view! { <PlannedPage page=Page::Storage /> } />
                        <Route path=path!("/exposure") view=|| view! { <PlannedPage page=Page::Exposure /> } />
                        <Route path=path!("/ca-trust") view=|| view! { <PlannedPage page=Page::CaTrust /> } />
                        <Route path=path!("/access") view=|| view! { <PlannedPage page=Page::Access /> } />
                        <Route path=path!("/pruner") view=|| view! { <PlannedPage page=Page::Pruner /> } />
                        <Route path=path!("/audit") view=|| view! { <PlannedPage page=Page::Audit /> } />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
