//! Runs for every request: loads the signed-in user from the session, ends sessions past
//! their absolute lifetime or idle for longer than the idle timeout, refreshes tokens
//! shortly before they expire, and sends anonymous requests for anything but public paths
//! to sign in (pages) or answers 401 (server functions).
//!
//! Idle means no request of the user's own: what a page asks by itself (the Overview's
//! refresh, marked with [`BACKGROUND_HEADER`], and the live streams) does not count, so an
//! open tab does not keep a session alive. The session store's expiry is the backstop.
//!
//! Sessions ended by sign-out are refused even if a request that was still running wrote
//! them back (see `revoked`).

use super::refresh::RefreshFailure;
use super::session::{SIGNED_IN_KEY, SignedIn};
use super::{Auth, now_secs};
use app::domain::return_to::{encode_for_location, encode_query_value};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;
use tower_sessions::Session;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "rc_session";
/// A marker cookie (no secret in it) that outlives the session cookie, whose Max-Age is
/// the idle timeout: when it comes without a live session, the session ended while idle,
/// and the sign-in page can say so.
pub const MARKER_COOKIE: &str = "rc_had_session";
/// Tokens are refreshed when they have less than this many seconds left.
pub const REFRESH_MARGIN_SECS: i64 = 60;
/// The header a page's own requests carry (`public/live.js` refreshing the Overview):
/// not the user's activity.
pub const BACKGROUND_HEADER: &str = "x-background-refresh";
/// The user's activity is written back at most this often (each write is a store write),
/// and never less often than a quarter of the idle timeout.
const ACTIVITY_GRANULARITY_SECS: i64 = 5;

/// Whether `request` is one a page makes by itself rather than the user: the live streams
/// and what `live.js` fetches.
pub fn is_background(request: &Request) -> bool {
    matches!(request.uri().path(), "/live/overview" | "/logs/follow")
        || request.headers().contains_key(BACKGROUND_HEADER)
}

/// Whether a stored session is still a live sign-in at `now`: present, signed in, not
/// revoked, and within its idle and absolute lifetimes. Long-lived streams ask this while
/// they run, so they end soon after the session does, however it ends.
pub async fn still_signed_in(
    auth: &Auth,
    store: &super::session_store::ConsoleSessionStore,
    id: &tower_sessions::session::Id,
    now: i64,
) -> bool {
    use tower_sessions::SessionStore;
    if auth.revoked.is_revoked(&id.to_string()).await {
        return false;
    }
    let Ok(Some(record)) = store.load(id).await else {
        return false;
    };
    let Some(signed_in) = record
        .data
        .get(SIGNED_IN_KEY)
        .and_then(|v| serde_json::from_value::<SignedIn>(v.clone()).ok())
    else {
        return false;
    };
    now - signed_in.signed_in_at < auth.absolute_timeout_secs as i64
        && now - signed_in.active_at() <= auth.idle_timeout_secs as i64
}

/// The signed-in user of this request (a request extension).
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Arc<SignedIn>);

/// Paths anyone may open: probes, sign-in itself, the language switch and static files.
pub fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/healthz" | "/readyz" | "/metrics" | "/sign-in" | "/signed-out" | "/favicon.svg"
    ) || ["/auth/", "/lang/", "/assets/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// What to do with a session's tokens at `now`.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenAction {
    Keep,
    Refresh,
    /// Expired and cannot be refreshed.
    End,
}

pub fn token_action(signed_in: &SignedIn, now: i64) -> TokenAction {
    let left = signed_in.tokens.expires_at - now;
    if left > REFRESH_MARGIN_SECS {
        TokenAction::Keep
    } else if signed_in.tokens.refresh_token.is_some() {
        TokenAction::Refresh
    } else if left > 0 {
        TokenAction::Keep
    } else {
        TokenAction::End
    }
}

/// Did this browser have a signed-in session (the marker cookie outlives it)? A session
/// cookie alone may only hold a sign-in that was never finished.
fn had_session(request: &Request) -> bool {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| app::i18n::cookie_value(c, MARKER_COOKIE).is_some())
}

/// Adds the marker cookie to `response`: set for `max_age` seconds, or cleared with 0.
pub fn set_marker(response: &mut Response, max_age: u64, secure: bool) {
    let cookie = format!(
        "{MARKER_COOKIE}=1; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn unavailable(what: &str) -> Response {
    tracing::error!("session store failed: {what}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The console's session store is unavailable; try again shortly.\n",
    )
        .into_response()
}

pub async fn authenticate(
    State(auth): State<Auth>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let now = now_secs();
    let mut ended: Option<&'static str> = None;
    let mut signed_in = match session.get::<SignedIn>(SIGNED_IN_KEY).await {
        Ok(found) => found,
        // Written by another version of the console: start over rather than lock them out.
        Err(tower_sessions::session::Error::SerdeJson(e)) => {
            tracing::warn!(error = %e, "unreadable session ended");
            if let Err(e) = session.flush().await {
                return unavailable(&e.to_string());
            }
            None
        }
        Err(e) => return unavailable(&e.to_string()),
    };
    if signed_in.is_some()
        && let Some(id) = session.id()
        && auth.revoked.is_revoked(&id.to_string()).await
    {
        // Signed out (or replaced at sign-in) while a request was running; it wrote the
        // session back when it ended. End it again.
        if let Err(e) = session.flush().await {
            return unavailable(&e.to_string());
        }
        signed_in = None;
    }

    if let Some(current) = &signed_in
        && now - current.signed_in_at >= auth.absolute_timeout_secs as i64
    {
        tracing::info!(subject = %current.identity.subject, "session reached its absolute lifetime");
        if let Err(e) = session.flush().await {
            return unavailable(&e.to_string());
        }
        signed_in = None;
        ended = Some("expired");
    }

    // Whole seconds: strictly more than the timeout, so a request right at it still counts.
    if let Some(current) = &signed_in
        && now - current.active_at() > auth.idle_timeout_secs as i64
    {
        tracing::info!(subject = %current.identity.subject, "session ended after the idle timeout");
        if let Err(e) = session.flush().await {
            return unavailable(&e.to_string());
        }
        signed_in = None;
        ended = Some("idle");
    }

    // Pages and server functions refresh; static files, probes, sign-in and sign-out use
    // the session as it is (a failed refresh must not get in the way of signing out).
    let path = request.uri().path().to_string();
    if let Some(current) = signed_in.as_mut()
        && !is_public(&path)
        && !is_background(&request)
        && now - current.active_at()
            >= ACTIVITY_GRANULARITY_SECS.min(auth.idle_timeout_secs as i64 / 4)
    {
        current.last_active = Some(now);
        if let Err(e) = session.insert(SIGNED_IN_KEY, &*current).await {
            return unavailable(&e.to_string());
        }
    }
    if let Some(current) = signed_in.clone().filter(|_| !is_public(&path)) {
        match token_action(&current, now) {
            TokenAction::Keep => {}
            TokenAction::End => {
                if let Err(e) = session.flush().await {
                    return unavailable(&e.to_string());
                }
                signed_in = None;
                ended = Some("expired");
            }
            TokenAction::Refresh => {
                let refreshed = match (&auth.oidc, &current.tokens.refresh_token) {
                    (Some(oidc), Some(token)) => {
                        auth.refreshes
                            .refresh(oidc.clone(), token, &current.identity.subject, now)
                            .await
                    }
                    _ => Err(RefreshFailure::Refused(
                        "no provider or refresh token".into(),
                    )),
                };
                match refreshed {
                    Ok((identity, tokens)) => {
                        let updated = SignedIn {
                            identity,
                            tokens,
                            ..current
                        };
                        if let Err(e) = session.insert(SIGNED_IN_KEY, &updated).await {
                            return unavailable(&e.to_string());
                        }
                        tracing::info!(subject = %updated.identity.subject, "tokens refreshed");
                        signed_in = Some(updated);
                    }
                    Err(RefreshFailure::Temporary(reason)) if current.tokens.expires_at > now => {
                        // The provider is briefly unreachable and the token still works:
                        // carry on, the next request tries again.
                        tracing::warn!(subject = %current.identity.subject, %reason, "token refresh postponed");
                    }
                    Err(RefreshFailure::Refused(reason) | RefreshFailure::Temporary(reason)) => {
                        tracing::warn!(subject = %current.identity.subject, %reason, "token refresh failed; the user must sign in again");
                        if let Err(e) = session.flush().await {
                            return unavailable(&e.to_string());
                        }
                        signed_in = None;
                        ended = Some("refresh_failed");
                    }
                }
            }
        }
    }

    if signed_in.is_none() && ended.is_none() && had_session(&request) {
        ended = Some("idle");
    }

    match signed_in {
        Some(user) => {
            let roles = auth.mapping.roles(&user.identity.groups);
            request.extensions_mut().insert(CurrentUser(Arc::new(user)));
            if path == "/" && roles.auditor_only() && request.method() == Method::GET {
                return Redirect::to(app::domain::access::landing_path(roles)).into_response();
            }
        }
        None => {
            if !is_public(&path) {
                let mut response = sign_in_required(&request, ended.unwrap_or("required"));
                // Clear the marker once the user is shown why (a page, not a data call, so
                // a reload still explains it).
                if ended.is_some() && response.status().is_redirection() {
                    set_marker(&mut response, 0, auth.https);
                }
                return response;
            }
        }
    }
    next.run(request).await
}

/// Pages redirect to the sign-in page (coming back afterwards); anything else gets 401 with
/// the server functions' error encoding, which the UI turns into "sign in again".
fn sign_in_required(request: &Request, reason: &str) -> Response {
    let is_page = matches!(*request.method(), Method::GET | Method::HEAD)
        && !request.uri().path().starts_with("/api/");
    if is_page {
        let target = request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/");
        let location = format!(
            "/sign-in?reason={reason}&return_to={}",
            encode_query_value(target)
        );
        Redirect::to(&encode_for_location(&location)).into_response()
    } else {
        let body = serde_json::to_string(&app::api::error::ConsoleError::SignInRequired)
            .unwrap_or_default();
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_in(expires_at: i64, refresh: bool) -> SignedIn {
        let mut s = crate::auth::session::sample_signed_in();
        s.tokens.expires_at = expires_at;
        s.tokens.refresh_token = refresh.then(|| "r".to_string());
        s
    }

    #[test]
    fn tokens_are_refreshed_shortly_before_expiry() {
        let now = 1_000_000;
        assert_eq!(
            token_action(&signed_in(now + 600, true), now),
            TokenAction::Keep
        );
        assert_eq!(
            token_action(&signed_in(now + 30, true), now),
            TokenAction::Refresh
        );
        assert_eq!(
            token_action(&signed_in(now - 30, true), now),
            TokenAction::Refresh
        );
        assert_eq!(
            token_action(&signed_in(now + 30, false), now),
            TokenAction::Keep
        );
        assert_eq!(token_action(&signed_in(now, false), now), TokenAction::End);
    }

    #[test]
    fn public_paths() {
        for p in [
            "/healthz",
            "/readyz",
            "/metrics",
            "/sign-in",
            "/signed-out",
            "/auth/login",
            "/auth/callback",
            "/lang/ja",
            "/assets/0123abcd/pkg/registry_console.wasm",
            "/favicon.svg",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in [
            "/",
            "/logs",
            "/audit",
            "/api/my_access",
            "/your-access",
            "/authx",
            "/assetsx",
            "/pkg/registry_console.wasm",
            "/sign-in/x",
        ] {
            assert!(!is_public(p), "{p}");
        }
    }
}
