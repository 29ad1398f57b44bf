-- The audit trail: append-only events, each hash-chained to the one before (see
-- server/src/audit/chain.rs). A change is an `intent` (written before anything is
-- applied), then a `result`, then a `follow_up`; changes seen outside the console are one
-- `outside` event. Nothing is ever updated or deleted; the triggers refuse it, and the
-- chain shows it if someone edits the file behind SQLite's back.
CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    change_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('intent', 'result', 'follow_up', 'outside')),
    at TEXT NOT NULL,
    actor_subject TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_email TEXT,
    actor_groups TEXT NOT NULL,
    client_addr TEXT,
    request_id TEXT,
    reason TEXT,
    objects TEXT NOT NULL,
    outcome TEXT,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_change ON audit_events (change_id, seq);

CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

-- One row per change for the auditor's list: derived from the events in the same
-- transaction (never the source of truth; the chain is), indexed for the filters.
CREATE TABLE audit_changes (
    first_seq INTEGER PRIMARY KEY,
    change_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    actor_subject TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    reason TEXT,
    objects TEXT NOT NULL,
    outcome TEXT NOT NULL,
    last_seq INTEGER NOT NULL
);
CREATE INDEX audit_changes_at ON audit_changes (at, first_seq);
CREATE INDEX audit_changes_actor ON audit_changes (actor_subject, first_seq);
CREATE INDEX audit_changes_outcome ON audit_changes (outcome, first_seq);
