//! Per-request observability: a request id (in the `x-request-id` response header and on
//! every log line of the request, through the span), one access-log line, and the HTTP
//! metrics.
//!
//! The id is always generated here: a client-supplied id would let anyone forge or
//! collide entries in the logs and, later, the audit trail.

use super::metrics::Metrics;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being handled (in request extensions).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub async fn observe(State(metrics): State<Metrics>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = uuid::Uuid::new_v4().to_string();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    // Unmatched requests (static files, 404s) share one label so that scanners cannot
    // blow up the metric's cardinality.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    request.extensions_mut().insert(RequestId(id.clone()));

    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    async move {
        let mut response = next.run(request).await;
        let status = response.status().as_u16();
        let elapsed = started.elapsed();
        metrics.observe_http(method.as_str(), &route, status, elapsed.as_secs_f64());
        tracing::info!(status, route = %route, elapsed_ms = elapsed.as_millis() as u64, "served");
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        response
    }
    .instrument(span)
    .await
}
