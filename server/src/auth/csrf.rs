//! CSRF protection for every state-changing request (anything but GET, HEAD, OPTIONS):
//! first the Origin (or Referer) must be the console's own, then the request must carry
//! the session's CSRF token, in the `x-csrf-token` header (server functions) or the
//! `csrf_token` form field (plain HTML forms, which work without JavaScript). Tokens are
//! compared in constant time. A failure is a 403 and the request goes no further.

use super::Auth;
use super::guard::CurrentUser;
use app::domain::session::{CSRF_FIELD, CSRF_HEADER};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Form bodies larger than this are refused before parsing (no console form comes close).
const MAX_FORM_BYTES: usize = 1024 * 1024;

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn refuse(reason: &str, path: &str) -> Response {
    tracing::warn!(path, reason, "CSRF check failed; request refused");
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("Forbidden: {reason}. Nothing was changed. Reload the page and try again.\n"),
    )
        .into_response()
}

/// The request's origin from `Origin`, else from `Referer`.
fn request_origin(request: &Request) -> Option<String> {
    let headers = request.headers();
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && origin != "null"
    {
        return Some(origin.to_string());
    }
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .map(super::origin_of)
}

pub async fn protect(State(auth): State<Auth>, request: Request, next: Next) -> Response {
    if is_safe(request.method()) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    match request_origin(&request) {
        Some(origin) if origin == auth.public_origin => {}
        Some(_) => return refuse("the request comes from another site", &path),
        None => return refuse("the request has no Origin or Referer header", &path),
    }
    let Some(user) = request.extensions().get::<CurrentUser>().cloned() else {
        if path == "/auth/logout" {
            // Nothing to sign out of: the session is already gone.
            return Redirect::to("/signed-out").into_response();
        }
        return refuse("there is no signed-in session", &path);
    };
    let expected = user.0.csrf_token.clone();

    if let Some(sent) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if constant_time_eq(sent, &expected) {
            next.run(request).await
        } else {
            refuse("the CSRF token is wrong", &path)
        };
    }

    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return refuse("the CSRF token is missing", &path);
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return refuse("the form is too large", &path);
    };
    let sent = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    match sent {
        Some(sent) if constant_time_eq(&sent, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Some(_) => refuse("the CSRF token is wrong", &path),
        None => refuse("the CSRF token is missing", &path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_needs_same_length_and_bytes() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert!(!constant_time_eq("", "a"));
    }

    #[test]
    fn only_get_head_options_are_safe() {
        for m in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert!(is_safe(&m));
        }
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(!is_safe(&m));
        }
    }
}
