//! What a console session holds. It lives in the server's database (tower-sessions'
//! SQLite store); the browser only has the session id in an HttpOnly cookie. Tokens never
//! leave the server, so `Debug` here redacts them.

use super::oidc::{Identity, Tokens};
use app::domain::access::RoleMapping;
use app::domain::session::SessionView;
use serde::{Deserialize, Serialize};

/// Session key of the signed-in user.
pub const SIGNED_IN_KEY: &str = "signed_in";
/// Session key of the sign-ins started in this browser and not finished yet.
pub const PENDING_KEY: &str = "pending_sign_ins";
/// Several tabs may start a sign-in at once; older ones beyond this are dropped.
pub const MAX_PENDING: usize = 5;
/// A sign-in not finished within this many seconds is dropped.
pub const PENDING_TTL_SECS: i64 = 600;

#[derive(Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub identity: Identity,
    pub tokens: Tokens,
    /// Unix seconds of the sign-in, for the absolute lifetime.
    pub signed_in_at: i64,
    /// Unix seconds of the user's last request of their own (the sign-in when `None`), for
    /// the idle timeout: what a page asks by itself (the Overview refreshing, a followed
    /// log) is not activity.
    #[serde(default)]
    pub last_active: Option<i64>,
    /// Bound to this session; sent back in a header or form field on every state change.
    pub csrf_token: String,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("identity", &self.identity)
            .field("tokens", &"[redacted]")
            .field("signed_in_at", &self.signed_in_at)
            .finish_non_exhaustive()
    }
}

impl SignedIn {
    /// When the user last did something (Unix seconds).
    pub fn active_at(&self) -> i64 {
        self.last_active.unwrap_or(self.signed_in_at)
    }

    pub fn view(&self, mapping: &RoleMapping) -> SessionView {
        SessionView {
            subject: self.identity.subject.clone(),
            name: self.identity.name.clone(),
            email: self.identity.email.clone(),
            groups: self.identity.groups.clone(),
            roles: mapping.roles(&self.identity.groups),
            csrf_token: self.csrf_token.clone(),
            mapping: mapping.clone(),
        }
    }
}

/// A sign-in in flight: what the callback must match and where to go afterwards.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    pub started_at: i64,
}

/// Adds `new` to the pending sign-ins, dropping expired ones and the oldest beyond
/// [`MAX_PENDING`].
pub fn add_pending(
    mut pending: Vec<PendingSignIn>,
    new: PendingSignIn,
    now: i64,
) -> Vec<PendingSignIn> {
    pending.retain(|p| now - p.started_at < PENDING_TTL_SECS);
    pending.push(new);
    let excess = pending.len().saturating_sub(MAX_PENDING);
    pending.drain(..excess);
    pending
}

/// Removes and returns the pending sign-in with `state` (compared in constant time), so
/// that a callback can be used once only.
pub fn take_pending(
    pending: &mut Vec<PendingSignIn>,
    state: &str,
    now: i64,
) -> Option<PendingSignIn> {
    pending.retain(|p| now - p.started_at < PENDING_TTL_SECS);
    let at = pending
        .iter()
        .position(|p| super::csrf::constant_time_eq(&p.state, state))?;
    Some(pending.remove(at))
}

/// A signed-in viewer for unit tests elsewhere in the crate.
#[cfg(test)]
pub fn sample_signed_in() -> SignedIn {
    SignedIn {
        identity: Identity {
            subject: "viewer".into(),
            name: "Vera Viewer".into(),
            preferred_username: Some("vera".into()),
            email: None,
            groups: vec!["registry-viewers".into()],
        },
        tokens: Tokens {
            id_token: "id-token".into(),
            refresh_token: None,
            expires_at: i64::MAX,
        },
        signed_in_at: 0,
        last_active: None,
        csrf_token: "csrf".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(state: &str, at: i64) -> PendingSignIn {
        PendingSignIn {
            state: state.into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            return_to: "/".into(),
            started_at: at,
        }
    }

    #[test]
    fn pending_sign_ins_are_bounded_and_expire() {
        let mut list = Vec::new();
        for i in 0..8 {
            list = add_pending(list, pending(&format!("s{i}"), 1000 + i), 1000 + i);
        }
        assert_eq!(list.len(), MAX_PENDING);
        assert_eq!(list[0].state, "s3");
        let list = add_pending(list, pending("late", 5000), 5000);
        assert_eq!(list.len(), 1, "the old ones expired");
    }

    #[test]
    fn a_state_is_taken_once() {
        let mut list = vec![pending("a", 100), pending("b", 100)];
        assert!(take_pending(&mut list, "b", 101).is_some());
        assert!(take_pending(&mut list, "b", 101).is_none());
        assert!(take_pending(&mut list, "zzz", 101).is_none());
        assert!(
            take_pending(&mut list, "a", 100 + PENDING_TTL_SECS).is_none(),
            "expired"
        );
    }

    #[test]
    fn debug_never_shows_tokens() {
        let mut signed_in = sample_signed_in();
        signed_in.tokens.id_token = "eyJ-secret-id-token".into();
        signed_in.tokens.refresh_token = Some("secret-refresh".into());
        signed_in.csrf_token = "csrf-secret".into();
        let text = format!("{signed_in:?}");
        assert!(!text.contains("secret"), "{text}");
    }
}
