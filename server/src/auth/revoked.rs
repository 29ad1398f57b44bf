//! Session ids ended by sign-out or replaced at sign-in.
//!
//! The session store saves a session at the end of every request (that is what slides the
//! idle timeout), as an upsert. A request that was already running when the user signed
//! out would therefore write the deleted session back. Remembering the ended ids for as
//! long as such a session could live makes the next request with one of them end it again.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct RevokedSessions {
    /// Seconds an entry is kept: longer than a resurrected session could stay idle.
    keep_secs: i64,
    ids: Mutex<HashMap<[u8; 32], i64>>,
}

impl RevokedSessions {
    pub fn new(idle_timeout_secs: u64) -> Self {
        RevokedSessions {
            keep_secs: i64::try_from(idle_timeout_secs).unwrap_or(i64::MAX / 2) + 60,
            ids: Mutex::new(HashMap::new()),
        }
    }

    fn key(id: &str) -> [u8; 32] {
        Sha256::digest(id.as_bytes()).into()
    }

    pub fn revoke(&self, id: &str) {
        self.revoke_at(id, super::now_secs());
    }

    fn revoke_at(&self, id: &str, now: i64) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.retain(|_, until| *until > now);
            ids.insert(Self::key(id), now.saturating_add(self.keep_secs));
        }
    }

    pub fn is_revoked(&self, id: &str) -> bool {
        self.is_revoked_at(id, super::now_secs())
    }

    fn is_revoked_at(&self, id: &str, now: i64) -> bool {
        self.ids
            .lock()
            .map(|ids| ids.get(&Self::key(id)).is_some_and(|until| *until > now))
            // A poisoned lock means a panic elsewhere; refusing the session is the safe side.
            .unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoked_ids_are_remembered_for_the_idle_timeout() {
        let revoked = RevokedSessions::new(1800);
        revoked.revoke_at("abc", 1000);
        assert!(revoked.is_revoked_at("abc", 1000 + 1800));
        assert!(!revoked.is_revoked_at("abd", 1000));
        assert!(
            !revoked.is_revoked_at("abc", 1000 + 1861),
            "forgotten after it could live"
        );
    }
}
