//! One token refresh per refresh token, shared by every request that needs it.
//!
//! A page load sends several requests at once, and each may find the tokens about to
//! expire. Providers that rotate refresh tokens accept each one once (reuse may even revoke
//! the whole grant), so only the first request refreshes; the others wait for and reuse its
//! result. The result is kept while the new tokens are valid, because a request that loaded
//! the session before the refresh may write the old tokens back when it ends; the next
//! request with those old tokens then gets the new ones here instead of a failed refresh.

use super::oidc::{Identity, OidcProvider, Tokens};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// Failed refreshes are remembered this long (the same token will not work later either).
const FAILURE_MEMORY: Duration = Duration::from_secs(300);

type Outcome = (Instant, Result<(Identity, Tokens), String>);

#[derive(Default)]
pub struct Refreshes {
    by_token: Mutex<HashMap<[u8; 32], Arc<OnceCell<Outcome>>>>,
}

impl Refreshes {
    pub async fn refresh(
        &self,
        oidc: &OidcProvider,
        refresh_token: &str,
        subject: &str,
        now: i64,
    ) -> Result<(Identity, Tokens), String> {
        let key: [u8; 32] = Sha256::digest(refresh_token.as_bytes()).into();
        let cell = {
            let Ok(mut map) = self.by_token.lock() else {
                return Err("refresh coordination failed".into());
            };
            map.retain(|_, cell| match cell.get() {
                None => true,
                Some((_, Ok((_, tokens)))) => tokens.expires_at > now,
                Some((at, Err(_))) => at.elapsed() < FAILURE_MEMORY,
            });
            map.entry(key).or_default().clone()
        };
        let (_, result) = cell
            .get_or_init(|| async {
                let result = oidc
                    .refresh(refresh_token, subject)
                    .await
                    .map_err(|e| e.to_string());
                (Instant::now(), result)
            })
            .await;
        match result {
            // The subject check matters for waiters too: a key collision or a token
            // presented by another session must not hand over someone else's tokens.
            Ok((identity, _)) if identity.subject != subject => {
                Err("the refreshed tokens are for another subject".into())
            }
            other => other.clone(),
        }
    }
}
