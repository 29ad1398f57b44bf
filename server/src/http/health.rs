//! `/healthz` (the process answers) and `/readyz` (it can do its job: the database accepts
//! writes and the Kubernetes API answers). Each check has a deadline so a hung dependency
//! makes the probe fail instead of hang.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::future::Future;
use std::time::Duration;

const CHECK_DEADLINE: Duration = Duration::from_secs(3);

#[derive(Serialize, Debug)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct Readiness {
    pub ready: bool,
    pub checks: Vec<Check>,
}

pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let db = state.db.clone();
    let database = check("database", async move {
        crate::db::probe_write(&db).await.map_err(|e| e.to_string())
    });
    let kube = state.kube.clone();
    let kubernetes = check("kubernetes", async move {
        match kube {
            None => Err("no cluster configured: set --kubeconfig or --in-cluster".to_string()),
            Some(access) => access
                .client
                .apiserver_version()
                .await
                .map(|_| ())
                .map_err(|e| {
                    format!(
                        "API server {} did not answer: {e}",
                        access.config.cluster_url
                    )
                }),
        }
    });
    let (database, kubernetes) = tokio::join!(database, kubernetes);
    let checks = vec![database, kubernetes];
    let ready = checks.iter().all(|c| c.ok);
    for failed in checks.iter().filter(|c| !c.ok) {
        tracing::warn!(
            check = failed.name,
            error = failed.error.as_deref().unwrap_or(""),
            "readiness check failed"
        );
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(Readiness { ready, checks }))
}

async fn check(name: &'static str, probe: impl Future<Output = Result<(), String>>) -> Check {
    let error = match tokio::time::timeout(CHECK_DEADLINE, probe).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(format!("no answer within {} s", CHECK_DEADLINE.as_secs())),
    };
    Check {
        name,
        ok: error.is_none(),
        error,
    }
}
