//! The audit trail's hash chain (pure: no I/O).
//!
//! Every event is immutable once written and carries the hash of the event before it, so
//! editing, deleting or reordering any event breaks every link after it. A change is
//! several events (its intent before anything is applied, then its result, then the
//! follow-up), so nothing ever has to be updated in place.
//!
//! The hash covers each field length-prefixed, so no field's content can be shifted into
//! its neighbour to forge the same input.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const DOMAIN: &[u8] = b"registry-console-audit-v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Written before anything is applied: who, why, what, the diff and the dry run.
    Intent,
    /// What the apply did (applied, conflict, failed, partially applied).
    Result,
    /// What the registry did afterwards (healthy, Degraded, timed out).
    FollowUp,
    /// A change made outside the console, seen afterwards.
    Outside,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Intent => "intent",
            EventKind::Result => "result",
            EventKind::FollowUp => "follow_up",
            EventKind::Outside => "outside",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "intent" => EventKind::Intent,
            "result" => EventKind::Result,
            "follow_up" => EventKind::FollowUp,
            "outside" => EventKind::Outside,
            _ => return None,
        })
    }
}

/// One audit event as stored. JSON columns are kept as the exact text stored, so the hash
/// never depends on how a JSON library orders or spaces things.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    pub change_id: String,
    pub kind: EventKind,
    /// RFC 3339, UTC, milliseconds.
    pub at: String,
    pub actor_subject: String,
    pub actor_name: String,
    pub actor_email: Option<String>,
    /// JSON array of group names.
    pub actor_groups: String,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    /// JSON array of `{group, kind, namespace, name}`.
    pub objects: String,
    /// Short outcome for filtering (`applied`, `conflict`, `degraded`, …); `None` on intents.
    pub outcome: Option<String>,
    /// JSON object with the event's details (before/after, diff, dry run, result, …).
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

fn optional(hasher: &mut Sha256, value: Option<&str>) {
    match value {
        None => hasher.update([0u8]),
        Some(text) => {
            hasher.update([1u8]);
            field(hasher, text.as_bytes());
        }
    }
}

/// The hash of `event` (every field but `hash` itself), as lowercase hex.
pub fn event_hash(event: &Event) -> String {
    let mut h = Sha256::new();
    field(&mut h, DOMAIN);
    field(&mut h, &event.seq.to_le_bytes());
    field(&mut h, event.change_id.as_bytes());
    field(&mut h, event.kind.as_str().as_bytes());
    field(&mut h, event.at.as_bytes());
    field(&mut h, event.actor_subject.as_bytes());
    field(&mut h, event.actor_name.as_bytes());
    optional(&mut h, event.actor_email.as_deref());
    field(&mut h, event.actor_groups.as_bytes());
    optional(&mut h, event.client_addr.as_deref());
    optional(&mut h, event.request_id.as_deref());
    optional(&mut h, event.reason.as_deref());
    field(&mut h, event.objects.as_bytes());
    optional(&mut h, event.outcome.as_deref());
    field(&mut h, event.payload.as_bytes());
    field(&mut h, event.prev_hash.as_bytes());
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first place where the chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub problem: String,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event {}: {}", self.seq, self.problem)
    }
}

/// Checks events one at a time, in `seq` order, so any number can be verified with
/// constant memory.
#[derive(Debug)]
pub struct ChainVerifier {
    last_hash: String,
    last_seq: i64,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            last_hash: GENESIS.to_string(),
            last_seq: 0,
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, event: &Event) -> Result<(), BrokenLink> {
        let broken = |problem: String| BrokenLink {
            seq: event.seq,
            problem,
        };
        if event.seq <= self.last_seq {
            return Err(broken(format!(
                "out of order (after event {})",
                self.last_seq
            )));
        }
        if event.prev_hash != self.last_hash {
            return Err(broken(if self.checked == 0 {
                "the first event does not start the chain (events before it were removed?)"
                    .to_string()
            } else {
                format!(
                    "does not link to event {} (an event between them was removed or changed)",
                    self.last_seq
                )
            }));
        }
        if event_hash(event) != event.hash {
            return Err(broken(
                "its content does not match its hash (it was changed after it was written)"
                    .to_string(),
            ));
        }
        self.last_hash = event.hash.clone();
        self.last_seq = event.seq;
        self.checked += 1;
        Ok(())
    }

    /// The hash the next event must link to.
    pub fn last_hash(&self) -> &str {
        &self.last_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, prev: &str) -> Event {
        let mut e = Event {
            seq,
            change_id: format!("c{seq}"),
            kind: EventKind::Intent,
            at: "2026-11-24T03:00:00.000Z".into(),
            actor_subject: "admin".into(),
            actor_name: "Ada".into(),
            actor_email: None,
            actor_groups: "[\"registry-admins\"]".into(),
            client_addr: Some("127.0.0.1".into()),
            request_id: Some("r".into()),
            reason: Some("guide §2.1: switch to Managed".into()),
            objects: "[]".into(),
            outcome: None,
            payload: "{}".into(),
            prev_hash: prev.to_string(),
            hash: String::new(),
        };
        e.hash = event_hash(&e);
        e
    }

    fn chain(n: i64) -> Vec<Event> {
        let mut events = Vec::new();
        let mut prev = GENESIS.to_string();
        for seq in 1..=n {
            let e = event(seq, &prev);
            prev = e.hash.clone();
            events.push(e);
        }
        events
    }

    fn verify(events: &[Event]) -> Result<u64, BrokenLink> {
        let mut v = ChainVerifier::default();
        for e in events {
            v.check(e)?;
        }
        Ok(v.checked)
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn a_changed_field_is_found_at_its_row() {
        let mut events = chain(5);
        events[2].reason = Some("something else".into());
        let broken = verify(&events).expect_err("tampered");
        assert_eq!(broken.seq, 3);
        assert!(broken.problem.contains("does not match its hash"));
    }

    #[test]
    fn a_rehashed_row_breaks_the_next_link() {
        let mut events = chain(5);
        events[2].outcome = Some("applied".into());
        events[2].hash = event_hash(&events[2]);
        let broken = verify(&events).expect_err("tampered");
        assert_eq!(broken.seq, 4, "the row after the rewritten one");
        assert!(broken.problem.contains("does not link to event 3"));
    }

    #[test]
    fn a_removed_row_is_found() {
        let mut events = chain(5);
        events.remove(1);
        assert_eq!(verify(&events).expect_err("gap").seq, 3);
        let events = chain(5);
        let broken = verify(&events[1..]).expect_err("head removed");
        assert_eq!(broken.seq, 2);
        assert!(broken.problem.contains("first event"));
    }

    #[test]
    fn reordering_is_found() {
        let mut events = chain(4);
        events.swap(1, 2);
        assert!(verify(&events).is_err());
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        let mut a = event(1, GENESIS);
        let mut b = a.clone();
        a.actor_subject = "ab".into();
        a.actor_name = "c".into();
        b.actor_subject = "a".into();
        b.actor_name = "bc".into();
        assert_ne!(event_hash(&a), event_hash(&b));
        a.reason = None;
        b.actor_subject = "ab".into();
        b.actor_name = "c".into();
        b.reason = Some(String::new());
        assert_ne!(event_hash(&a), event_hash(&b), "None differs from empty");
    }
}
