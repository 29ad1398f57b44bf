//! A limit on request bodies: a submission larger than the console accepts gets 413 with a
//! message (as a server function error, so the page can say so), instead of failing half-way
//! through decoding. The largest legitimate body is a form with a CA bundle or a certificate
//! chain, far below the limit.

use app::api::error::ConsoleError;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Bytes a request body may have.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

fn too_large() -> Response {
    let body = serde_json::to_string(&ConsoleError::TooLarge {
        limit: MAX_REQUEST_BYTES as u64,
    })
    .unwrap_or_default();
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// Refuses bodies over [`MAX_REQUEST_BYTES`], whether announced by `Content-Length` or
/// streamed without one; anything else passes with its body read in full.
pub async fn limit(request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_REQUEST_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, bytes.into())).await,
        Err(_) => too_large(),
    }
}
