//! Security headers on every response, and the per-request CSP nonce.
//!
//! HTML pages carry one inline module script (Leptos' hydration bootstrap); it runs only
//! because it bears the nonce that this middleware puts in the CSP and hands to the
//! renderer. Everything else must come from the console's own origin.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use rand::RngCore;

/// The nonce of one response's scripts.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

impl CspNonce {
    fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        CspNonce(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }
}

/// The Content-Security-Policy; `nonce` only for HTML documents. `provider` is the OIDC
/// issuer's origin: sign-out is a form post that redirects there, and browsers apply
/// `form-action` to a form's redirects too.
pub fn content_security_policy(nonce: Option<&str>, provider: Option<&str>) -> String {
    let script = match nonce {
        // 'wasm-unsafe-eval' allows compiling the app's WebAssembly, nothing more.
        Some(n) => format!("script-src 'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_string(),
    };
    let form_action = match provider {
        Some(origin) => format!("form-action 'self' {origin}"),
        None => "form-action 'self'".to_string(),
    };
    [
        "default-src 'self'",
        &script,
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        &form_action,
        "frame-ancestors 'none'",
    ]
    .join("; ")
}

/// What the headers depend on: HSTS when the public URL is https, and the OIDC provider's
/// origin for `form-action`.
#[derive(Clone)]
pub struct HeaderPolicy {
    pub https: bool,
    pub provider_origin: Option<String>,
}

pub async fn security_headers(
    State(HeaderPolicy {
        https,
        provider_origin,
    }): State<HeaderPolicy>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = CspNonce::generate();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;

    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let csp = content_security_policy(
        is_html.then_some(nonce.0.as_str()),
        provider_origin.as_deref(),
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if is_html {
        // Pages show cluster state and, later, per-user data: never from a shared cache.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_only_own_origin_and_the_nonce() {
        let csp = content_security_policy(Some("abc"), None);
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("form-action 'self';"));
        assert!(!csp.contains("unsafe-inline"));
        let csp = content_security_policy(None, Some("https://idp.example.com"));
        assert!(!csp.contains("nonce-"));
        assert!(csp.contains("form-action 'self' https://idp.example.com;"));
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(CspNonce::generate().0, CspNonce::generate().0);
        assert_eq!(CspNonce::generate().0.len(), 22);
    }
}
