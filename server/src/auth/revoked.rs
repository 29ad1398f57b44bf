//! Session ids ended by sign-out or replaced at sign-in.
//!
//! The session store saves a session at the end of every request (that is what slides the
//! idle timeout), as an upsert. A request that was already running when the user signed
//! out would therefore write the deleted session back. Remembering the ended ids for as
//! long as such a session could live makes the next request with one of them end it again.
//!
//! Replicas on PostgreSQL share the list (`revoked_sessions`): a request still running in
//! one replica when the user signs out through another is ended too. Ids are stored as
//! SHA-256 hashes, never as the cookie's value.

use crate::db::{Bind, Db};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

pub struct RevokedSessions {
    /// The shared list, on PostgreSQL (one console on SQLite needs only its memory).
    shared: OnceLock<Db>,
    /// Seconds an entry is kept: longer than a resurrected session could stay idle.
    keep_secs: i64,
    ids: Mutex<HashMap<[u8; 32], i64>>,
}

impl RevokedSessions {
    pub fn new(idle_timeout_secs: u64) -> Self {
        RevokedSessions {
            shared: OnceLock::new(),
            keep_secs: i64::try_from(idle_timeout_secs).unwrap_or(i64::MAX / 2) + 60,
            ids: Mutex::new(HashMap::new()),
        }
    }

    fn key(id: &str) -> [u8; 32] {
        Sha256::digest(id.as_bytes()).into()
    }

    /// Shares the list with every replica on `db`, if it is PostgreSQL.
    pub fn share_through(&self, db: &Db) {
        if db.is_postgres() {
            let _ = self.shared.set(db.clone());
        }
    }

    pub async fn revoke(&self, id: &str) {
        let now = super::now_secs();
        self.revoke_at(id, now);
        if let Some(db) = self.shared.get() {
            let until = now.saturating_add(self.keep_secs);
            let stored = db
                .execute(
                    "INSERT INTO revoked_sessions (id_hash, until) VALUES (?, ?)
                     ON CONFLICT (id_hash) DO UPDATE SET until = excluded.until",
                    &[Bind::Text(Self::hash_hex(id)), Bind::Int(until)],
                )
                .await;
            if let Err(e) = stored {
                tracing::warn!(error = %e, "a revoked session could not be shared with the other replicas");
            }
            let _ = db
                .execute(
                    "DELETE FROM revoked_sessions WHERE until < ?",
                    &[Bind::Int(now)],
                )
                .await;
        }
    }

    fn hash_hex(id: &str) -> String {
        Self::key(id).iter().map(|b| format!("{b:02x}")).collect()
    }

    fn revoke_at(&self, id: &str, now: i64) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.retain(|_, until| *until > now);
            ids.insert(Self::key(id), now.saturating_add(self.keep_secs));
        }
    }

    pub async fn is_revoked(&self, id: &str) -> bool {
        let now = super::now_secs();
        if self.is_revoked_at(id, now) {
            return true;
        }
        let Some(db) = self.shared.get() else {
            return false;
        };
        db.fetch_optional::<(i64,)>(
            "SELECT until FROM revoked_sessions WHERE id_hash = ? AND until > ?",
            &[Bind::Text(Self::hash_hex(id)), Bind::Int(now)],
        )
        .await
        // The list cannot be read: refusing the session is the safe side.
        .map_or(true, |row| row.is_some())
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
