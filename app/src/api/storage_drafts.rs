//! The storage wizard's drafts between its steps when the browser runs no JavaScript
//! (server only). Each step is a plain form posted to the server, and the draft, typed
//! credentials included, waits here: in this process's memory, under a random id bound to
//! the session's CSRF token, for at most [`LIFETIME`] after its last use. Never in a URL,
//! a cookie, the page, the session store or the audit trail: a credential typed at step 3
//! must reach the cluster at step 4 without travelling back to the browser.
//!
//! Why not the session store: it is a database (SQLite or PostgreSQL) that would then hold
//! credentials at rest. The price is that a draft lives on one console process; another
//! replica, or a restart, says the draft expired and the admin starts again.

use super::error::ConsoleError;
use crate::domain::change::Applied;
use crate::domain::storage::wizard::StorageSubmission;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long an untouched draft is kept.
pub const LIFETIME: Duration = Duration::from_secs(30 * 60);
/// At most this many drafts are held; the oldest goes first (a bound on memory).
const MAX_DRAFTS: usize = 1_000;

#[derive(Clone, Debug)]
pub struct Draft {
    pub submission: StorageSubmission,
    /// The last apply's refusal, shown on the review step.
    pub apply_error: Option<ConsoleError>,
    /// The applied change (credentials are dropped from the draft then).
    pub applied: Option<Applied>,
}

struct Held {
    /// The CSRF token of the session that made it: another session cannot read it (the id
    /// is already a random 128-bit value; this binds it to the session as well).
    owner: String,
    draft: Draft,
    touched: Instant,
}

static DRAFTS: LazyLock<Mutex<HashMap<String, Held>>> = LazyLock::new(Default::default);

fn held() -> std::sync::MutexGuard<'static, HashMap<String, Held>> {
    // A panic while holding the lock leaves nothing half-written here (every change is
    // one insert or remove), so a poisoned lock is still usable.
    let mut map = DRAFTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    map.retain(|_, held| held.touched.elapsed() < LIFETIME);
    map
}

/// Keeps `draft` under `id` for the session whose CSRF token is `owner`.
pub fn put(id: &str, owner: &str, draft: Draft) {
    let mut map = held();
    if map.len() >= MAX_DRAFTS
        && !map.contains_key(id)
        && let Some(oldest) = map
            .iter()
            .min_by_key(|(_, held)| held.touched)
            .map(|(id, _)| id.clone())
    {
        map.remove(&oldest);
    }
    map.insert(
        id.to_string(),
        Held {
            owner: owner.to_string(),
            draft,
            touched: Instant::now(),
        },
    );
}

/// The draft under `id` if this session made it and it has not expired.
pub fn get(id: &str, owner: &str) -> Option<Draft> {
    let mut map = held();
    let held = map.get_mut(id)?;
    if held.owner != owner {
        return None;
    }
    held.touched = Instant::now();
    Some(held.draft.clone())
}

/// Forgets the draft (cancelled).
pub fn remove(id: &str, owner: &str) {
    let mut map = held();
    if map.get(id).is_some_and(|held| held.owner == owner) {
        map.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(key: &str) -> Draft {
        let mut submission = StorageSubmission::default();
        submission.credentials.insert(key.into(), "value".into());
        Draft {
            submission,
            apply_error: None,
            applied: None,
        }
    }

    #[test]
    fn a_draft_is_read_back_only_by_the_session_that_made_it() {
        put("draft-test-1", "token-a", draft("K"));
        assert!(get("draft-test-1", "token-a").is_some());
        assert!(get("draft-test-1", "token-b").is_none());
        remove("draft-test-1", "token-b");
        assert!(
            get("draft-test-1", "token-a").is_some(),
            "another session cannot cancel it"
        );
        remove("draft-test-1", "token-a");
        assert!(get("draft-test-1", "token-a").is_none());
    }
}
