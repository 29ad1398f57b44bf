//! The HTTP stack around the Leptos app: the router and its layers (security headers,
//! request ids and metrics, sessions, authentication, CSRF), health, the language switch,
//! and the context every page render and server function gets.

pub mod assets;
pub mod body_limit;
pub mod health;
pub mod language;
pub mod live;
pub mod metrics;
pub mod observe;
pub mod security_headers;
pub mod storage_steps;

use crate::AppState;
use crate::audit::store::Actor;
use crate::auth;
use crate::auth::guard::CurrentUser;
use crate::auth::session::SignedIn;
use crate::change::Requester;
use crate::config::Config;
use crate::services::RequestServices;
use app::api::ports::RequestUser;
use app::api::session::RequestSession;
use app::i18n::{LANG_COOKIE, RequestLang, cookie_value, negotiate};
use axum::Router;
use axum::extract::FromRef;
use axum::http::header;
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use metrics::Metrics;
use security_headers::{CspNonce, HeaderPolicy};
use std::sync::Arc;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Name of the WASM/JS bundle in `<site_root>/pkg` (`registry_console.js`,
/// `registry_console_bg.wasm`) and of the stylesheet.
pub const BUNDLE_NAME: &str = "registry_console";

pub fn leptos_options(config: &Config, site: &assets::Site) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(BUNDLE_NAME)
        .site_pkg_dir(site.pkg_url_dir())
        .site_addr(config.listen_addr)
        .build()
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let shell = {
        let options = state.leptos_options.clone();
        move || app::shell(options.clone())
    };
    let context = {
        let state = state.clone();
        move || request_context(&state)
    };
    let server_fns = {
        let context = context.clone();
        move |request: axum::extract::Request| {
            let context = context.clone();
            async move { leptos_axum::handle_server_fns_with_context(context, request).await }
        }
    };
    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name(auth::guard::SESSION_COOKIE)
        .with_http_only(true)
        // Lax, not Strict: the provider's redirect back to /auth/callback is a cross-site
        // navigation and must carry the pre-login session.
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.is_https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            i64::try_from(crate::config::whole_seconds(
                state.config.session.idle_timeout,
            ))
            .unwrap_or(i64::MAX),
        )))
        // Saving on every request is what makes the idle timeout slide.
        .with_always_save(true);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics_endpoint))
        .route("/lang/{code}", get(language::switch))
        .route("/auth/login", get(auth::routes::login))
        .route("/auth/callback", get(auth::routes::callback))
        .route("/auth/logout", post(auth::routes::logout))
        .route("/audit/export.jsonl", get(crate::audit::export::json_lines))
        .route("/audit/export.csv", get(crate::audit::export::csv))
        .route("/live/overview", get(live::overview))
        .route("/logs/follow", get(live::follow))
        .route("/logs/download", get(live::download))
        .route("/api/{*fn_name}", post(server_fns.clone()).get(server_fns))
        .route("/storage/steps", post(storage_steps::post))
        .leptos_routes_with_context(&state, routes, context.clone(), shell.clone())
        // Unknown paths get the app's "not found" page; files are served by `assets` only.
        .fallback(leptos_axum::render_app_to_stream_with_context(
            context, shell,
        ))
        // Innermost first: CSRF runs after the user is known, authentication after the
        // session is loaded.
        .layer(axum::middleware::from_fn_with_state(
            state.auth.clone(),
            auth::csrf::protect,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.auth.clone(),
            auth::guard::authenticate,
        ))
        .layer(sessions)
        // Before anything reads a body.
        .layer(axum::middleware::from_fn(body_limit::limit))
        // Static files are public and need no session: added after the session layer, so
        // a page load's assets do not each load and re-save the session row.
        .merge(assets::routes(state.site.clone()))
        .layer(axum::middleware::from_fn_with_state(
            HeaderPolicy::from_ref(&state),
            security_headers::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            observe::observe,
        ))
        // Not HTML: pages carry the CSRF token next to text from the URL, and compressing
        // both together would let a network observer guess the token by length (BREACH).
        .layer(
            tower_http::compression::CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(NotForContentType::new("text/html"))),
        )
        .with_state(state)
}

/// Context for rendering one request or running one server function: its language, its
/// CSP nonce and the signed-in user, with the services that act as that user (each built
/// only when a server function asks for it).
fn request_context(state: &AppState) {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return;
    };
    let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let lang = negotiate(
        header(header::COOKIE).and_then(|c| cookie_value(c, LANG_COOKIE)),
        header(header::ACCEPT_LANGUAGE),
    );
    provide_context(RequestLang(lang));
    provide_context(state.split_manifest.clone());
    if let Some(nonce) = parts.extensions.get::<CspNonce>() {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0.clone()));
    }
    let Some(CurrentUser(user)) = parts.extensions.get::<CurrentUser>() else {
        provide_context(RequestSession(None));
        return;
    };
    let (view, services) = request_services(state, user, &parts);
    provide_context(RequestSession(Some(view.clone())));
    provide_context(RequestUser {
        session: view,
        services: Arc::new(services),
    });
}

/// The signed-in user's session as pages see it, and the services that act as them.
fn request_services(
    state: &AppState,
    user: &Arc<SignedIn>,
    parts: &http::request::Parts,
) -> (app::domain::session::SessionView, RequestServices) {
    let view = user.view(&state.auth.mapping);
    let services = RequestServices {
        user: user.clone(),
        users: state.users.clone(),
        pipeline: state.pipeline.clone(),
        requester: requester(user, parts),
        caches: state.caches.clone(),
        registry_metrics: state.registry_metrics.clone(),
        doctor_reads: state.doctor_reads.clone(),
        roles: view.roles,
        doctor: state.config.doctor.clone(),
    };
    (view, services)
}

/// Who is asking, for the audit trail: the verified identity, the TCP peer and the
/// request id the log lines carry.
fn requester(user: &SignedIn, parts: &http::request::Parts) -> Requester {
    Requester {
        actor: Actor {
            subject: user.identity.subject.clone(),
            name: user.identity.name.clone(),
            email: user.identity.email.clone(),
            groups: user.identity.groups.clone(),
        },
        client_addr: parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip().to_string()),
        request_id: parts
            .extensions
            .get::<observe::RequestId>()
            .map(|id| id.0.clone()),
    }
}

async fn metrics_endpoint(
    axum::extract::State(metrics): axum::extract::State<Metrics>,
) -> impl axum::response::IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.encode(),
    )
}
