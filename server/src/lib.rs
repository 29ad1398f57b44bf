//! Registry Console server: configuration, the HTTP stack around the Leptos app, health,
//! metrics and the console's own database.

pub mod config;
pub mod db;
pub mod error;
pub mod health;
pub mod kube_access;
mod language;
pub mod metrics;
pub mod observe;
pub mod security_headers;
pub mod telemetry;

use app::RequestLang;
use app::i18n::{LANG_COOKIE, cookie_value, negotiate};
use axum::Router;
use axum::extract::FromRef;
use axum::http::header;
use axum::routing::get;
use config::Config;
use kube_access::KubeAccess;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use metrics::Metrics;
use security_headers::{CspNonce, Https};
use sqlx::SqlitePool;
use std::sync::Arc;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub db: SqlitePool,
    pub kube: Option<KubeAccess>,
    pub metrics: Metrics,
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

impl FromRef<AppState> for Https {
    fn from_ref(state: &AppState) -> Self {
        Https(state.config.is_https())
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
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics_endpoint))
        .route("/lang/{code}", get(language::switch))
        .leptos_routes_with_context(&state, routes, request_context, shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(request_context, app::shell))
        .layer(axum::middleware::from_fn_with_state(
            Https::from_ref(&state),
            security_headers::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            observe::observe,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

/// Context for rendering one request: its language and its CSP nonce.
fn request_context() {
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
    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .map_err(|source| error::Error::Listen {
            addr: config.listen_addr,
            source,
        })?;
    let state = build_state(config).await?;
    tracing::info!(
        listen = %state.config.listen_addr,
        public_url = %state.config.public_url,
        "Registry Console is serving"
    );
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Opens the database (migrating it) and connects to the cluster.
pub async fn build_state(config: Config) -> error::Result<AppState> {
    let metrics = Metrics::new();
    let db = db::open(&config.database_url).await?;
    let kube = kube_access::connect(&config.kube, &metrics).await?;
    Ok(AppState {
        leptos_options: leptos_options(&config),
        config: Arc::new(config),
        db,
        kube,
        metrics,
    })
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
