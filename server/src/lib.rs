//! Registry Console server: configuration, the HTTP stack around the Leptos app, health,
//! metrics and the console's own database.

// The Configuration page's view type is deep (one nested type per field).
#![recursion_limit = "256"]

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod health;
pub mod kube_access;
mod language;
pub mod metrics;
pub mod observe;
pub mod pipeline;
pub mod registry_config;
pub mod schemas;
pub mod security_headers;
pub mod telemetry;
pub mod user_kube;

use app::RequestLang;
use app::i18n::{LANG_COOKIE, cookie_value, negotiate};
use app::server_api::RequestUser;
use app::session::RequestSession;
use auth::Auth;
use auth::guard::CurrentUser;
use axum::Router;
use axum::extract::FromRef;
use axum::http::header;
use axum::routing::{get, post};
use config::Config;
use kube_access::KubeAccess;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use metrics::Metrics;
use security_headers::{CspNonce, HeaderPolicy};
use sqlx::SqlitePool;
use std::sync::Arc;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;
use user_kube::UserClients;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub db: SqlitePool,
    pub kube: Option<KubeAccess>,
    pub metrics: Metrics,
    pub auth: Auth,
    /// Clients acting as each signed-in user (`None` without a cluster).
    pub users: Option<Arc<UserClients>>,
    pub sessions: SqliteStore,
    /// Every write to the cluster goes through it (SPEC §5).
    pub pipeline: Arc<pipeline::ChangePipeline>,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Metrics {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}

impl FromRef<AppState> for HeaderPolicy {
    fn from_ref(state: &AppState) -> Self {
        HeaderPolicy {
            https: state.config.is_https(),
            provider_origin: state
                .auth
                .oidc
                .as_ref()
                .map(|o| auth::origin_of(o.issuer())),
        }
    }
}

/// Name of the WASM/JS bundle in `<site_root>/pkg` (`registry_console.js`,
/// `registry_console_bg.wasm`) and of the stylesheet.
pub const BUNDLE_NAME: &str = "registry_console";

pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(BUNDLE_NAME)
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
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
            i64::try_from(state.config.session.idle_timeout).unwrap_or(i64::MAX),
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
        .route("/audit/export.jsonl", get(audit::export::json_lines))
        .route("/audit/export.csv", get(audit::export::csv))
        .route("/api/{*fn_name}", post(server_fns.clone()).get(server_fns))
        .leptos_routes_with_context(&state, routes, context.clone(), shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
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
        // Static files are public and need no session: added after the session layer, so
        // a page load's assets do not each load and re-save the session row.
        .nest_service(
            "/pkg",
            tower_http::services::ServeDir::new(state.config.site_root.join("pkg")),
        )
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
/// CSP nonce and the signed-in user with the cluster as that user.
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
    if let Some(nonce) = parts.extensions.get::<CspNonce>() {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0.clone()));
    }
    let Some(CurrentUser(user)) = parts.extensions.get::<CurrentUser>() else {
        provide_context(RequestSession(None));
        return;
    };
    let view = user.view(&state.auth.mapping);
    provide_context(RequestSession(Some(view.clone())));
    let audit: Arc<dyn app::server_api::AuditAccess> = Arc::new(state.pipeline.audit.clone());
    provide_context(audit);
    let client = match &state.users {
        None => Err("no Kubernetes cluster is configured".to_string()),
        Some(users) => users
            .client_for(user)
            .and_then(|client| Ok((client, users.access_for(user)?)))
            .inspect_err(|e| {
                tracing::warn!(error = %e, "no Kubernetes client for this user");
            }),
    };
    let cluster = client.clone().map(|(_, cluster)| cluster);
    let config = client.map(|(client, cluster)| {
        let service: Arc<dyn app::server_api::ConfigAccess> =
            Arc::new(registry_config::RegistryConfigService {
                client,
                cluster,
                pipeline: state.pipeline.clone(),
                requester: requester(user, &parts),
            });
        service
    });
    provide_context(RequestUser {
        session: view,
        cluster,
        config,
    });
}

/// Who is asking, for the audit trail: the verified identity, the TCP peer and the
/// request id the log lines carry.
fn requester(user: &auth::session::SignedIn, parts: &http::request::Parts) -> pipeline::Requester {
    pipeline::Requester {
        actor: audit::store::Actor {
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

/// Starts everything from a loaded configuration and serves until SIGINT/SIGTERM.
pub async fn serve(config: Config) -> error::Result<()> {
    let shutdown = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .map_err(|source| error::Error::Listen {
            addr: config.listen_addr,
            source,
        })?;
    let state = build_state(config).await?;
    let cleanup = tokio::spawn(
        state
            .sessions
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(300)),
    );
    if let Some(oidc) = state.auth.oidc.clone() {
        // Early, so a misconfigured issuer shows in the log at start; sign-in retries.
        tokio::spawn(async move {
            match oidc.discover().await {
                Ok(()) => tracing::info!(issuer = oidc.issuer(), "OIDC provider discovered"),
                Err(e) => tracing::warn!(error = %e, "OIDC discovery failed; sign-in will retry"),
            }
        });
    } else {
        tracing::warn!(
            "no OIDC issuer configured (--oidc-issuer-url, --oidc-client-id): nobody can sign in"
        );
    }
    tracing::info!(
        listen = %state.config.listen_addr,
        public_url = %state.config.public_url,
        "Registry Console is serving"
    );
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    cleanup.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Opens the database (migrating it) and connects to the cluster.
pub async fn build_state(config: Config) -> error::Result<AppState> {
    let metrics = Metrics::new();
    let db = db::open(&config.database_url).await?;
    let kube = kube_access::connect(&config.kube, &metrics).await?;
    let auth = Auth::from_config(&config).map_err(error::Error::Config)?;
    // Its table comes from migrations/ (applied by db::open), not from the store.
    let sessions = SqliteStore::new(db.clone());
    let key_file = config.data_dir.join("audit-fingerprint.key");
    let fingerprints = audit::redact::FingerprintKey::load_or_create(&key_file).map_err(|e| {
        error::Error::Config(format!("audit fingerprint key {}: {e}", key_file.display()))
    })?;
    let pipeline = Arc::new(pipeline::ChangePipeline {
        audit: audit::store::AuditStore::new(db.clone()),
        fingerprints,
        min_reason: config.audit.min_reason_length as usize,
        follow_up_timeout: std::time::Duration::from_secs(config.audit.follow_up_timeout),
    });
    if config.audit.record_outside_changes
        && let Some(k) = &kube
    {
        // Detached: the watchers live as long as the runtime; they only read the cluster.
        audit::outside::spawn(
            k.client.clone(),
            audit::outside::OutsideRecorder {
                db: db.clone(),
                audit: pipeline.audit.clone(),
                fingerprints: pipeline.fingerprints.clone(),
            },
            audit::outside::WATCHED,
        );
    }
    let users = kube.as_ref().map(|k| {
        Arc::new(UserClients::new(
            k.config.clone(),
            &config.kube,
            metrics.clone(),
        ))
    });
    Ok(AppState {
        leptos_options: leptos_options(&config),
        config: Arc::new(config),
        db,
        kube,
        metrics,
        auth,
        users,
        sessions,
        pipeline,
    })
}

/// Resolves at SIGINT or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled: a signal that arrives while the console is still
/// starting (the port is already open) then shuts it down gracefully instead of killing it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => tracing::info!("SIGINT received, shutting down"),
                    _ = terminate.recv() => tracing::info!("SIGTERM received, shutting down"),
                }
            }
            (interrupt, terminate) => {
                let error = interrupt.err().or(terminate.err());
                tracing::error!(error = ?error, "cannot listen for SIGINT/SIGTERM");
                std::future::pending::<()>().await
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("SIGINT received, shutting down");
        }
    }
}
