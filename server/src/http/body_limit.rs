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
pub const MAX_REQUEST_BYTES: usize = app::domain::form_draft::MAX_REQUEST_BYTES as usize;

fn refuse(error: ConsoleError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::to_string(&error).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn too_large() -> Response {
    refuse(ConsoleError::TooLarge {
        limit: MAX_REQUEST_BYTES as u64,
    })
}

/// Whether reading stopped at the limit, rather than because the body failed to arrive (the
/// client went away, a malformed chunk): only the first is the client's 413.
fn over_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
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
        Err(e) if over_limit(&e) => too_large(),
        Err(e) => refuse(ConsoleError::Invalid(format!(
            "the request body could not be read: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    #[tokio::test]
    async fn a_body_over_the_limit_is_told_from_one_that_failed_to_arrive() {
        let big = Body::from(vec![b'x'; 11]);
        let Err(e) = axum::body::to_bytes(big, 10).await else {
            panic!("11 bytes read under a 10-byte limit");
        };
        assert!(over_limit(&e), "{e}");

        let broken = Body::from_stream(futures::stream::iter([
            Ok(bytes::Bytes::from_static(b"x")),
            Err(std::io::Error::other("connection reset")),
        ]));
        let Err(e) = axum::body::to_bytes(broken, 10).await else {
            panic!("a failing body was read");
        };
        assert!(!over_limit(&e), "{e}");
    }
}
