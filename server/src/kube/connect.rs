//! The console's connection to the Kubernetes API server.
//!
//! The console's own client serves its health checks and the read-only watcher of changes
//! made outside the console; every request of a user is made with the user's identity on
//! top of the same cluster settings (see [`super::user`]).

use crate::config::KubeSettings;
use crate::error::{Error, Result};
use crate::http::metrics::{KubeMetricsLayer, Metrics};
use kube::client::ClientBuilder;
use kube::config::{KubeConfigOptions, Kubeconfig};

/// Cluster settings plus a client built from them with metrics on every call.
#[derive(Clone)]
pub struct KubeAccess {
    pub config: kube::Config,
    pub client: kube::Client,
}

/// Builds the client. An explicit `--kubeconfig` or `--in-cluster` that does not work is an
/// error; with neither, a cluster that cannot be found leaves the console running without
/// one (`/readyz` then says so) so the UI can still explain what is missing.
pub async fn connect(settings: &KubeSettings, metrics: &Metrics) -> Result<Option<KubeAccess>> {
    let config = if settings.in_cluster {
        kube::Config::incluster()
            .map_err(|e| Error::KubeConfig(format!("in-cluster configuration: {e}")))?
    } else if let Some(path) = &settings.kubeconfig {
        let kubeconfig = Kubeconfig::read_from(path).map_err(|e| {
            Error::KubeConfig(format!("reading kubeconfig {}: {e}", path.display()))
        })?;
        let options = KubeConfigOptions {
            context: settings.context.clone(),
            ..Default::default()
        };
        kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| Error::KubeConfig(format!("kubeconfig {}: {e}", path.display())))?
    } else {
        match kube::Config::infer().await {
            Ok(config) => config,
            Err(e) => {
                tracing::warn!(error = %e, "no Kubernetes cluster configured; set --kubeconfig or --in-cluster");
                return Ok(None);
            }
        }
    };
    let mut config = config;
    // Users' clients start from this configuration, so they connect with the same deadline.
    config.connect_timeout = Some(settings.connect_timeout);
    let client = build_client(config.clone(), settings.request_timeout, metrics)
        .map_err(Error::KubeConfig)?;
    tracing::info!(cluster = %config.cluster_url, "Kubernetes API configured");
    Ok(Some(KubeAccess { config, client }))
}

/// A client for `config` with the request deadline and metrics on every call (the
/// console's own client and each user's).
pub fn build_client(
    config: kube::Config,
    request_timeout: std::time::Duration,
    metrics: &Metrics,
) -> std::result::Result<kube::Client, String> {
    Ok(ClientBuilder::try_from(config)
        .map_err(|e| e.to_string())?
        .with_layer(&super::deadline::DeadlineLayer(request_timeout))
        .with_layer(&KubeMetricsLayer {
            metrics: metrics.clone(),
        })
        .build())
}
