//! Sign-in, sessions and request protection (SPEC §2, §7). One concern per file:
//!
//! - [`oidc`]: the OIDC relying party (discovery, PKCE, token verification, refresh, logout)
//! - [`session`]: what a session holds, server-side only, and the pending sign-ins
//! - [`guard`]: loads the user for each request, enforces lifetimes, refreshes tokens
//! - [`csrf`]: the CSRF token and Origin check on every state-changing request
//! - [`rate_limit`]: per-address limits on the sign-in endpoints
//! - [`refresh`]: one token refresh per refresh token, however many requests need it
//! - [`revoked`]: ended session ids, so an in-flight request cannot bring one back
//! - [`routes`]: `/auth/login`, `/auth/callback`, `/auth/logout`
//! - [`session_store`], [`token_seal`]: where sessions live, their tokens sealed

pub mod csrf;
pub mod guard;
pub mod oidc;
pub mod rate_limit;
pub mod refresh;
pub mod revoked;
pub mod routes;
pub mod session;
pub mod session_store;
pub mod token_seal;

use crate::config::{Config, whole_seconds};
use app::domain::access::RoleMapping;
use std::sync::Arc;

/// Why a sign-in step failed. Messages may name the cause, never a token.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    #[error("the code exchange failed: {0}")]
    Exchange(String),
    #[error("the ID token is not valid: {0}")]
    TokenInvalid(String),
    #[error("session store: {0}")]
    Session(String),
}

impl From<tower_sessions::session::Error> for AuthError {
    fn from(e: tower_sessions::session::Error) -> Self {
        AuthError::Session(e.to_string())
    }
}

/// Everything the auth handlers and middleware share.
#[derive(Clone)]
pub struct Auth {
    /// `None` when no issuer is configured: every page then says sign-in is unavailable.
    pub oidc: Option<Arc<oidc::OidcProvider>>,
    pub mapping: RoleMapping,
    pub idle_timeout_secs: u64,
    pub absolute_timeout_secs: u64,
    /// `scheme://host[:port]` of the public URL, for the Origin check.
    pub public_origin: String,
    /// The public URL is https: cookies get `Secure`.
    pub https: bool,
    pub limiter: Arc<rate_limit::RateLimiter>,
    pub refreshes: Arc<refresh::Refreshes>,
    pub revoked: Arc<revoked::RevokedSessions>,
}

impl Auth {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let oidc = oidc::OidcProvider::new(&config.oidc, &config.public_url)?.map(Arc::new);
        Ok(Auth {
            oidc,
            mapping: RoleMapping {
                admin_groups: config.oidc.admin_groups.clone(),
                viewer_groups: config.oidc.viewer_groups.clone(),
                auditor_groups: config.oidc.auditor_groups.clone(),
            },
            idle_timeout_secs: whole_seconds(config.session.idle_timeout),
            absolute_timeout_secs: whole_seconds(config.session.absolute_timeout),
            public_origin: origin_of(&config.public_url),
            https: config.is_https(),
            limiter: Arc::new(rate_limit::RateLimiter::per_minute(
                config.oidc.login_rate_limit,
            )),
            refreshes: Arc::new(refresh::Refreshes::default()),
            revoked: Arc::new(revoked::RevokedSessions::new(whole_seconds(
                config.session.idle_timeout,
            ))),
        })
    }
}

/// `https://console.example.com` from `https://Console.Example.com:443/some/path`: the
/// form browsers send in `Origin` (lower case, no default port, no path).
pub fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let scheme = scheme.to_ascii_lowercase();
            let host = rest
                .split(['/', '?', '#'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let host = match (scheme.as_str(), host.rsplit_once(':')) {
                ("https", Some((h, "443"))) | ("http", Some((h, "80"))) => h.to_string(),
                _ => host,
            };
            format!("{scheme}://{host}")
        }
        None => url.to_string(),
    }
}

/// Unix seconds now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A random URL-safe token of 256 bits.
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_drops_the_path() {
        assert_eq!(
            origin_of("https://c.example.com/x/y"),
            "https://c.example.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("HTTPS://Console.Example.com:443"),
            "https://console.example.com"
        );
        assert_eq!(
            origin_of("http://c.example.com:80?x"),
            "http://c.example.com"
        );
        assert_eq!(
            origin_of("https://c.example.com:8443"),
            "https://c.example.com:8443"
        );
    }

    #[test]
    fn random_tokens_differ_and_are_long() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
    }
}
