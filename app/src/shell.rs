//! The HTML document and the application frame around every page.

use crate::access::may_open;
use crate::audit_page::AuditTrailPage;
use crate::auth_pages::{Guarded, SignInPage, SignedOutPage, UserMenu, YourAccessPage};
use crate::config_page::ConfigurationPage;
use crate::language::{I18n, LanguageSwitch, RequestLang, initial_lang};
use crate::pages::{NotFound, Page, PlannedPage};
use crate::session::{
    CSRF_META_NAME, RequestSession, SESSION_ELEMENT_ID, initial_session, script_json, use_session,
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

/// The whole HTML document, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = use_context::<RequestLang>()
        .map(|r| r.0)
        .unwrap_or_default();
    let session = use_context::<RequestSession>().and_then(|s| s.0);
    let csrf = session.as_ref().map(|s| s.csrf_token.clone());
    let session_json = session.as_ref().map(script_json);
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="stylesheet" href="/pkg/registry_console.css" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                {csrf.map(|token| view! { <meta name=CSRF_META_NAME content=token /> })}
                {session_json
                    .map(|json| {
                        view! { <script type="application/json" id=SESSION_ELEMENT_ID inner_html=json></script> }
                    })}
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
    provide_context(initial_session());
    let session = use_session();
    let roles = session.as_ref().map(|s| s.roles).unwrap_or_default();

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
                    <UserMenu />
                </header>
                <nav class="sidebar" aria-label=move || i18n.t("nav.label")>
                    <ul>
                        {Page::ALL
                            .into_iter()
                            .filter(|page| may_open(roles, *page))
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
                        <Route path=path!("/sign-in") view=SignInPage />
                        <Route path=path!("/signed-out") view=SignedOutPage />
                        <Route
                            path=path!("/your-access")
                            view=|| view! { <Guarded page=Page::Overview>{|| view! { <YourAccessPage /> }}</Guarded> }
                        />
                        <Route path=path!("/") view=|| planned(Page::Overview) />
                        <Route path=path!("/logs") view=|| planned(Page::Logs) />
                        <Route
                            path=path!("/configuration")
                            view=|| view! { <Guarded page=Page::Configuration>{|| view! { <ConfigurationPage /> }}</Guarded> }
                        />
                        <Route path=path!("/storage") view=|| planned(Page::Storage) />
                        <Route path=path!("/exposure") view=|| planned(Page::Exposure) />
                        <Route path=path!("/ca-trust") view=|| planned(Page::CaTrust) />
                        <Route path=path!("/access") view=|| planned(Page::Access) />
                        <Route path=path!("/pruner") view=|| planned(Page::Pruner) />
                        <Route
                            path=path!("/audit")
                            view=|| view! { <Guarded page=Page::Audit>{|| view! { <AuditTrailPage /> }}</Guarded> }
                        />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// A page that is not built yet, behind the role guard like every page.
fn planned(page: Page) -> impl IntoView {
    view! {
        <Guarded page>
            {move || view! { <PlannedPage page /> }}
        </Guarded>
    }
}
