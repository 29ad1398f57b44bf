//! The HTML document and the application frame around every page: top bar, navigation and
//! the routes. Rendered on the server only; the browser loads the WASM bundle just for
//! pages with islands (see [`Page::islands`]).

use crate::api::session::{initial_session, use_session};
use crate::components::guard::Guarded;
use crate::components::language::{I18n, LanguageSwitch, initial_lang};
use crate::components::user_menu::UserMenu;
use crate::domain::access::may_open;
use crate::domain::page::Page;
use crate::pages::access::AccessPage;
use crate::pages::audit::AuditTrailPage;
use crate::pages::ca_trust::CaTrustPage;
use crate::pages::configuration::ConfigurationPage;
use crate::pages::exposure::ExposurePage;
use crate::pages::logs::LogsPage;
use crate::pages::not_found::NotFound;
use crate::pages::overview::OverviewPage;
use crate::pages::pruner::PrunerPage;
use crate::pages::registries::RegistriesPage;
use crate::pages::sign_in::{SignInPage, SignedOutPage};
use crate::pages::storage::StoragePage;
use crate::pages::your_access::YourAccessPage;
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The path of the request being rendered.
#[cfg(feature = "ssr")]
fn request_path() -> String {
    use_context::<http::request::Parts>()
        .map(|parts| parts.uri.path().to_string())
        .unwrap_or_default()
}

/// The whole HTML document, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use crate::api::session::RequestSession;
    use crate::domain::page::LIVE_SCRIPT;
    use crate::domain::session::{CSRF_META_NAME, SESSION_ELEMENT_ID, script_json};
    use crate::i18n::{CATALOGUE_ELEMENT_ID, RequestLang};
    use leptos_meta::MetaTags;
    let lang = use_context::<RequestLang>()
        .map(|r| r.0)
        .unwrap_or_default();
    let session = use_context::<RequestSession>().and_then(|s| s.0);
    let csrf = session.as_ref().map(|s| s.csrf_token.clone());
    // Pages with islands load the bundle, the session (who is asking) and the one
    // catalogue their islands need; the others are complete without JavaScript.
    let query = use_context::<http::request::Parts>()
        .and_then(|parts| parts.uri.query().map(str::to_string))
        .unwrap_or_default();
    let islands = Page::islands_at(&request_path(), &query);
    let interactive = !islands.is_empty();
    let live = Page::from_path(&request_path()).is_some_and(Page::is_live);
    let session_json = session.as_ref().filter(|_| interactive).map(script_json);
    let catalogue = interactive.then(|| crate::i18n::island_catalogue(lang, islands));
    let preloads = interactive.then(|| island_preloads(&options, islands));
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link
                    rel="stylesheet"
                    href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
                />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                {csrf.map(|token| view! { <meta name=CSRF_META_NAME content=token /> })}
                {session_json
                    .map(|json| {
                        view! { <script type="application/json" id=SESSION_ELEMENT_ID inner_html=json></script> }
                    })}
                {catalogue
                    .map(|text| {
                        // Raw, not escaped: a script element's text is not decoded, so an escaped
                        // `&` would reach the islands as `&amp;`. The messages cannot close the
                        // element (tested in i18n).
                        view! {
                            <script type="text/plain" id=CATALOGUE_ELEMENT_ID inner_html=text></script>
                        }
                    })}
                {preloads}
                {interactive.then(|| view! { <HydrationScripts options=options.clone() islands=true /> })}
                {live.then(|| view! { <script type="module" src=site_file(&options, LIVE_SCRIPT)></script> })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The URL of `file` at the site's root: the parent of the (hashed) `site_pkg_dir`.
#[cfg(feature = "ssr")]
fn site_file(options: &LeptosOptions, file: &str) -> String {
    match options.site_pkg_dir.rsplit_once('/') {
        Some((root, _)) => format!("/{root}/{file}"),
        None => format!("/{file}"),
    }
}

/// The split step's manifest (lazy function → the chunk files it needs), which the server
/// reads once from the site and provides to every render.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct SplitManifest(pub std::sync::Arc<std::collections::HashMap<String, Vec<String>>>);

/// Preload links for the chunks of `islands` and their shared chunks: Leptos preloads the
/// main module only, and would otherwise fetch an island's chunks one after another once
/// the main module runs.
#[cfg(feature = "ssr")]
fn island_preloads(options: &LeptosOptions, islands: &[&str]) -> impl IntoView + use<> {
    let manifest = use_context::<SplitManifest>().unwrap_or_default();
    let files = crate::domain::page::island_chunks(&manifest.0, islands);
    let pkg = options.site_pkg_dir.clone();
    files
        .into_iter()
        .map(|file| {
            view! {
                <link
                    rel="preload"
                    href=format!("/{pkg}/{file}.wasm")
                    r#as="fetch"
                    r#type="application/wasm"
                    crossorigin="anonymous"
                />
            }
        })
        .collect_view()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let i18n = I18n::provide(initial_lang());
    provide_context(initial_session());
    let session = use_session();
    let roles = session.as_ref().map(|s| s.roles).unwrap_or_default();

    view! {
        <Title text=i18n.t("app.name") />
        <Router>
            <div class="layout">
                <a class="skip-link" href="#main">
                    {i18n.t("app.skip_to_content")}
                </a>
                <header class="topbar">
                    <a class="brand" href="/">
                        <span class="brand-mark" aria-hidden="true"></span>
                        <span class="brand-name">{i18n.t("app.name")}</span>
                    </a>
                    <span class="tagline">{i18n.t("app.tagline")}</span>
                    <LanguageSwitch />
                    <UserMenu />
                </header>
                <nav class="sidebar" aria-label=i18n.t("nav.label")>
                    <ul>
                        {Page::ALL
                            .into_iter()
                            .filter(|page| may_open(roles, *page))
                            .map(|page| {
                                view! {
                                    <li>
                                        <A href=page.path() exact=true>
                                            {i18n.t(page.title_key())}
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
                            ssr=SsrMode::Async
                        />
                        // Every page is a whole document, in order: complete without
                        // JavaScript (a viewer gets every read-only part), and the live script
                        // and the change-forms island find the fresh region in the page they
                        // fetch.
                        <Route
                            path=path!("/")
                            view=|| view! { <Guarded page=Page::Overview>{|| view! { <OverviewPage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/logs")
                            view=|| view! { <Guarded page=Page::Logs>{|| view! { <LogsPage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/configuration")
                            view=|| view! { <Guarded page=Page::Configuration>{|| view! { <ConfigurationPage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/storage")
                            view=|| view! { <Guarded page=Page::Storage>{|| view! { <StoragePage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/exposure")
                            view=|| view! { <Guarded page=Page::Exposure>{|| view! { <ExposurePage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/ca-trust")
                            view=|| view! { <Guarded page=Page::CaTrust>{|| view! { <CaTrustPage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/registries")
                            view=|| view! { <Guarded page=Page::Registries>{|| view! { <RegistriesPage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/access")
                            view=|| view! { <Guarded page=Page::Access>{|| view! { <AccessPage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/pruner")
                            view=|| view! { <Guarded page=Page::Pruner>{|| view! { <PrunerPage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/audit")
                            view=|| view! { <Guarded page=Page::Audit>{|| view! { <AuditTrailPage /> }}</Guarded> }
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
