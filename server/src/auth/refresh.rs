//! One token refresh per refresh token, shared by every request that needs it.
//!
//! A page load sends several requests at once, and each may find the tokens about to
//! expire. Providers that rotate refresh tokens accept each one once (reuse may even revoke
//! the whole grant), so only the first request refreshes; the others wait for and reuse its
//! result. The result is kept while the new tokens are fresh, because a request that loaded
//! the session before the refresh may write the old tokens back when it ends; the next
//! request with those old tokens then gets the new ones here instead of a failed refresh.
//!
//! The refresh runs as its own task: a browser that drops its request mid-refresh must not
//! throw away tokens the provider has already rotated.

use super::AuthError;
use super::guard::REFRESH_MARGIN_SECS;
use super::oidc::{Identity, OidcProvider, Tokens};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// A refused refresh token stays refused; remember that this long.
const REFUSAL_MEMORY: Duration = Duration::from_secs(300);

/// Why a refresh did not give new tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshFailure {
    /// The provider refused (revoked, expired or reused token): sign in again.
    Refused(String),
    /// The provider could not be reached or answered nonsense: try again later.
    Temporary(String),
}

type Outcome = (Instant, Result<(Identity, Tokens), RefreshFailure>);

#[derive(Default)]
pub struct Refreshes {
    by_token: Mutex<HashMap<[u8; 32], Arc<OnceCell<Outcome>>>>,
}

impl Refreshes {
    pub async fn refresh(
        &self,
        oidc: Arc<OidcProvider>,
        refresh_token: &str,
        subject: &str,
        now: i64,
    ) -> Result<(Identity, Tokens), RefreshFailure> {
        let key: [u8; 32] = Sha256::digest(refresh_token.as_bytes()).into();
        let cell = {
            let Ok(mut map) = self.by_token.lock() else {
                return Err(RefreshFailure::Temporary(
                    "refresh coordination failed".into(),
                ));
            };
            map.retain(|_, cell| match cell.get() {
                None => true,
                // Fresh tokens are handed out; ones due for refresh themselves are not.
                Some((_, Ok((_, tokens)))) => tokens.expires_at - now > REFRESH_MARGIN_SECS,
                Some((at, Err(RefreshFailure::Refused(_)))) => at.elapsed() < REFUSAL_MEMORY,
                Some((_, Err(RefreshFailure::Temporary(_)))) => false,
            });
            map.entry(key).or_default().clone()
        };
        let token = refresh_token.to_string();
        let owner = subject.to_string();
        let (_, result) = cell
            .get_or_init(|| async move {
                let task = tokio::spawn(async move { oidc.refresh(&token, &owner).await });
                let result = match task.await {
                    Ok(Ok(done)) => Ok(done),
                    Ok(Err(AuthError::Unavailable(e))) => Err(RefreshFailure::Temporary(e)),
                    Ok(Err(e)) => Err(RefreshFailure::Refused(e.to_string())),
                    Err(e) => Err(RefreshFailure::Temporary(format!("refresh task: {e}"))),
                };
                (Instant::now(), result)
            })
            .await;
        match result {
            // Waiters check the subject too: tokens are only ever handed to their owner.
            Ok((identity, _)) if identity.subject != subject => Err(RefreshFailure::Refused(
                "the refreshed tokens are for another subject".into(),
            )),
            other => other.clone(),
        }
    }
}
