//! Registry Console server: configuration, the HTTP stack around the Leptos app, the
//! console's own database and audit trail, sign-in, access to Kubernetes as each user, the
//! change pipeline, and one service per page behind the app's port traits.

pub mod audit;
pub mod auth;
pub mod change;
pub mod config;
pub mod data_dir;
pub mod db;
pub mod doctor_command;
pub mod error;
pub mod http;
pub mod kube;
pub mod services;
pub mod site_sizes;
pub mod telemetry;

pub use http::{BUNDLE_NAME, leptos_options, router};

use crate::kube::KubeAccess;
use crate::kube::user::UserClients;
use auth::Auth;
use axum::extract::FromRef;
use config::Config;
use http::metrics::Metrics;
use http::security_headers::HeaderPolicy;
use leptos::prelude::*;
use std::sync::Arc;
use tower_sessions::session_store::ExpiredDeletion;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub db: db::Db,
    pub kube: Option<KubeAccess>,
    pub metrics: Metrics,
    pub auth: Auth,
    /// Clients acting as each signed-in user (`None` without a cluster).
    pub users: Option<Arc<UserClients>>,
    pub sessions: auth::session_store::ConsoleSessionStore,
    /// Every write to the cluster goes through it (SPEC §5).
    pub pipeline: Arc<change::ChangePipeline>,
    /// The Overview's and Logs page's shared watch-backed caches (`None` without a cluster).
    pub caches: Option<Arc<crate::kube::cache::Caches>>,
    /// The registry's metrics, a short rolling window.
    pub registry_metrics: Arc<services::registry_metrics::MetricsWindow>,
    /// The registry doctor's reads per user, for a few seconds.
    pub doctor_reads: Arc<services::doctor::ReadsCache>,
    /// The WASM bundle, CSS and public files (embedded, or `--site-root`).
    pub site: Arc<http::assets::Site>,
    /// Which WASM chunks each island needs (from the site), for the shell's preloads.
    pub split_manifest: app::SplitManifest,
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

/// Starts everything from a loaded configuration and serves until SIGINT/SIGTERM.
pub async fn serve(config: Config) -> error::Result<()> {
    let shutdown = shutdown_signal();
    // Read before anything else starts, so a bad certificate stops the console at once.
    let tls = match (&config.tls.cert_file, &config.tls.key_file) {
        (Some(cert), Some(key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .map_err(|e| {
                        error::Error::Config(format!(
                            "tls.cert_file {} / tls.key_file {}: {e}",
                            cert.display(),
                            key.display()
                        ))
                    })?,
            )
        }
        _ => None,
    };
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
        https = tls.is_some(),
        "Registry Console is serving"
    );
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    match tls {
        Some(tls) => {
            let handle = axum_server::Handle::new();
            tokio::spawn({
                let handle = handle.clone();
                async move {
                    shutdown.await;
                    // Stop accepting; requests in flight get 10 s (live streams never end).
                    handle.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
                }
            });
            axum_server::from_tcp_rustls(listener.into_std()?, tls)?
                .handle(handle)
                .serve(app)
                .await?;
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await?
        }
    }
    cleanup.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Opens the database (migrating it) and connects to the cluster.
pub async fn build_state(config: Config) -> error::Result<AppState> {
    let metrics = Metrics::new();
    // Only the console may read its files (the database holds sessions and the trail).
    let narrowed = data_dir::secure(&config.data_dir).map_err(|e| {
        error::Error::Config(format!("data directory {}: {e}", config.data_dir.display()))
    })?;
    for path in narrowed {
        tracing::warn!(
            path = %path.display(),
            "was readable by others; narrowed to the console's user only (0700 for the directory, 0600 for files)"
        );
    }
    let db = db::open(&config.database_url).await?;
    let kube = crate::kube::connect(&config.kube, &metrics).await?;
    let auth = Auth::from_config(&config).map_err(error::Error::Config)?;
    auth.revoked.share_through(&db);
    // Its table comes from migrations/ (applied by db::open), not from the store.
    let seal_file = config.data_dir.join("session-tokens.key");
    let seal = auth::token_seal::TokenSeal::load_or_create(&seal_file).map_err(|e| {
        error::Error::Config(format!("session token key {}: {e}", seal_file.display()))
    })?;
    let sessions = auth::session_store::ConsoleSessionStore::new(&db, Arc::new(seal))
        .map_err(error::Error::Config)?;
    let key_file = config.data_dir.join("audit-fingerprint.key");
    let fingerprints = audit::redact::FingerprintKey::load_or_create(&key_file).map_err(|e| {
        error::Error::Config(format!("audit fingerprint key {}: {e}", key_file.display()))
    })?;
    let pipeline = Arc::new(change::ChangePipeline::new(
        audit::store::AuditStore::new(db.clone()),
        fingerprints,
        config.audit.min_reason_length as usize..=config.audit.max_reason_length as usize,
        config.audit.follow_up_timeout,
    ));
    if config.audit.record_outside_changes
        && let Some(k) = &kube
    {
        // Detached: lives as long as the runtime. Of several replicas, only the holder of
        // the Lease records (its watchers only read the cluster).
        tokio::spawn(audit::outside::lease::record_while_holding(
            k.client.clone(),
            audit::outside::lease::LeaseOptions::for_this_process(&config.audit.lease_namespace),
            audit::outside::OutsideRecorder {
                db: db.clone(),
                audit: pipeline.audit.clone(),
                fingerprints: pipeline.fingerprints.clone(),
            },
            audit::outside::WATCHED,
        ));
    }
    let caches = kube.as_ref().map(|k| {
        crate::kube::cache::Caches::spawn(k.client.clone(), &crate::kube::cache::OVERVIEW_KINDS)
    });
    let users = kube.as_ref().map(|k| {
        Arc::new(UserClients::new(
            k.config.clone(),
            &config.kube,
            metrics.clone(),
        ))
    });
    let site = Arc::new(http::assets::Site::open(config.site_root.as_deref()));
    let split_manifest = app::SplitManifest(Arc::new(
        site.read(&format!(
            "{}/{}",
            http::assets::PKG_DIR,
            app::domain::page::SPLIT_MANIFEST
        ))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default(),
    ));
    tracing::info!(site = %site.describe(), hash = site.hash(), "site");
    Ok(AppState {
        leptos_options: leptos_options(&config, &site),
        site,
        split_manifest,
        config: Arc::new(config),
        db,
        kube,
        metrics,
        auth,
        users,
        sessions,
        pipeline,
        caches,
        registry_metrics: Default::default(),
        doctor_reads: Default::default(),
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
