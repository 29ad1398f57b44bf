//! The sandbox: a real kube-apiserver + etcd, a real OIDC provider, and a stand-in Image
//! Registry Operator, all on 127.0.0.1. Used by `./dev run` (through the
//! `registry-console-sandbox up` binary) and by the integration tests ([`harness`]).

pub mod client;
pub mod content;
pub mod crds;
pub mod front;
pub mod harness;
pub mod kubelet;
pub mod oidc_login;
pub mod operator;
pub mod postgres;
pub mod processes;
pub mod pruner;
pub mod registry_metrics;
pub mod router;
pub mod runtime;
pub mod s3;
pub mod sandbox;
pub mod volumes;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("sandbox setup: {0}")]
    Setup(String),
    #[error("operator: {0}")]
    Operator(String),
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
