//! `/auth/login`, `/auth/callback` and `/auth/logout`.
//!
//! Failures send the browser to the sign-in page with a code it explains (never the
//! provider's text in the URL); nothing is stored in the session unless sign-in succeeds.

use super::session::{
    PENDING_KEY, PendingSignIn, SIGNED_IN_KEY, SignedIn, add_pending, take_pending,
};
use super::{Auth, AuthError, now_secs, random_token};
use app::domain::return_to::{encode_for_location, safe_return_path};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct LoginQuery {
    return_to: Option<String>,
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn to_sign_in(error: &str) -> Response {
    Redirect::to(&format!("/sign-in?error={error}")).into_response()
}

fn too_many(wait: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, wait.to_string())],
        format!("Too many sign-in attempts from your address. Try again in {wait} seconds.\n"),
    )
        .into_response()
}

fn session_failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "session store failed during sign-in");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The console's session store is unavailable; try again shortly.\n",
    )
        .into_response()
}

/// Starts a sign-in: remembers state, nonce, PKCE verifier and the return path in the
/// (pre-login) session and sends the browser to the provider.
pub async fn login(
    State(auth): State<Auth>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    Query(query): Query<LoginQuery>,
) -> Response {
    if let Err(wait) = auth.limiter.check(peer.ip()) {
        return too_many(wait);
    }
    let Some(oidc) = &auth.oidc else {
        return to_sign_in("unavailable");
    };
    let start = match oidc.start().await {
        Ok(start) => start,
        Err(e) => {
            tracing::error!(error = %e, "cannot start sign-in");
            return to_sign_in("unavailable");
        }
    };
    let now = now_secs();
    let pending = match session.get::<Vec<PendingSignIn>>(PENDING_KEY).await {
        Ok(found) => found.unwrap_or_default(),
        Err(e) => return session_failed(e),
    };
    let pending = add_pending(
        pending,
        PendingSignIn {
            state: start.state,
            nonce: start.nonce,
            pkce_verifier: start.pkce_verifier,
            return_to: safe_return_path(query.return_to.as_deref()).to_string(),
            started_at: now,
        },
        now,
    );
    if let Err(e) = session.insert(PENDING_KEY, pending).await {
        return session_failed(e);
    }
    Redirect::to(&start.url).into_response()
}

/// Finishes a sign-in: the state must match a pending sign-in of this browser (used once),
/// the code is exchanged with the PKCE verifier, and the ID token is verified with the
/// nonce. Only then is the session id rotated and the user stored.
pub async fn callback(
    State(auth): State<Auth>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    Query(query): Query<CallbackQuery>,
) -> Response {
    if let Err(wait) = auth.limiter.check(peer.ip()) {
        return too_many(wait);
    }
    let Some(oidc) = &auth.oidc else {
        return to_sign_in("unavailable");
    };
    let now = now_secs();
    let mut pending = match session.get::<Vec<PendingSignIn>>(PENDING_KEY).await {
        Ok(found) => found.unwrap_or_default(),
        Err(e) => return session_failed(e),
    };
    let taken = query
        .state
        .as_deref()
        .and_then(|state| take_pending(&mut pending, state, now));
    let stored = if pending.is_empty() {
        session
            .remove::<Vec<PendingSignIn>>(PENDING_KEY)
            .await
            .map(|_| ())
    } else {
        session.insert(PENDING_KEY, &pending).await
    };
    if let Err(e) = stored {
        return session_failed(e);
    }
    let Some(started) = taken else {
        tracing::warn!(%peer, "sign-in callback with an unknown, used or expired state refused");
        return to_sign_in("state_mismatch");
    };
    if let Some(error) = &query.error {
        // The provider's error code is a fixed vocabulary (access_denied, …), safe to log.
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        tracing::warn!(%peer, provider_error = %error, "the provider refused the sign-in");
        return to_sign_in("provider");
    }
    let Some(code) = &query.code else {
        return to_sign_in("provider");
    };
    let (identity, tokens) = match oidc
        .finish(code, &started.pkce_verifier, &started.nonce)
        .await
    {
        Ok(done) => done,
        Err(e) => {
            tracing::warn!(%peer, error = %e, "sign-in failed");
            return to_sign_in(match e {
                AuthError::Exchange(_) => "exchange_failed",
                AuthError::TokenInvalid(_) => "token_invalid",
                AuthError::Unavailable(_) | AuthError::Session(_) => "unavailable",
            });
        }
    };
    // A new session id at the privilege change (no session fixation). The old id is
    // revoked, so a request still in flight cannot bring it back.
    if let Some(id) = session.id() {
        auth.revoked.revoke(&id.to_string()).await;
    }
    if let Err(e) = session.cycle_id().await {
        return session_failed(e);
    }
    let roles = auth.mapping.roles(&identity.groups);
    tracing::info!(
        subject = %identity.subject,
        name = %identity.name,
        admin = roles.admin,
        viewer = roles.viewer,
        auditor = roles.auditor,
        "signed in"
    );
    let signed_in = SignedIn {
        identity,
        tokens,
        signed_in_at: now,
        last_active: None,
        csrf_token: random_token(),
    };
    if let Err(e) = session.insert(SIGNED_IN_KEY, &signed_in).await {
        return session_failed(e);
    }
    let destination = if started.return_to == "/" {
        app::domain::access::landing_path(roles).to_string()
    } else {
        started.return_to
    };
    let mut response = Redirect::to(&encode_for_location(&destination)).into_response();
    super::guard::set_marker(&mut response, auth.absolute_timeout_secs, auth.https);
    response
}

/// Signs out (a CSRF-checked POST): deletes the server-side session, then ends the
/// provider's session too when it offers RP-initiated logout.
pub async fn logout(State(auth): State<Auth>, session: Session) -> Response {
    let signed_in = session.get::<SignedIn>(SIGNED_IN_KEY).await.ok().flatten();
    if let Some(id) = session.id() {
        auth.revoked.revoke(&id.to_string()).await;
    }
    if let Err(e) = session.flush().await {
        return session_failed(e);
    }
    if let Some(user) = &signed_in {
        tracing::info!(subject = %user.identity.subject, "signed out");
    }
    let provider_logout = match &auth.oidc {
        Some(oidc) => oidc.end_session_url().await,
        None => None,
    };
    let mut response =
        Redirect::to(provider_logout.as_deref().unwrap_or("/signed-out")).into_response();
    super::guard::set_marker(&mut response, 0, auth.https);
    response
}
