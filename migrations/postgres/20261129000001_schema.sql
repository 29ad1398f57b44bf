-- The console's schema on PostgreSQL, the same tables and rules as migrations/sqlite/
-- (read those for the why of each): the health probe row, sessions, the hash-chained
-- append-only audit trail with its change list kept by triggers, and the outside-change
-- baselines. Free-text search of the change list uses pg_trgm (substring matches in any
-- language, like SQLite's FTS5 trigram index).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
);

-- tower-sessions' PostgreSQL store, pointed at this table (auth/session_store.rs).
CREATE TABLE tower_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data BYTEA NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);
CREATE INDEX tower_sessions_expiry ON tower_sessions (expiry_date);

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
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

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE audit_changes (
    first_seq BIGINT PRIMARY KEY,
    change_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    actor_subject TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    reason TEXT,
    objects TEXT NOT NULL,
    outcome TEXT NOT NULL,
    last_seq BIGINT NOT NULL
);
CREATE INDEX audit_changes_at ON audit_changes (at, first_seq);
CREATE INDEX audit_changes_actor ON audit_changes (actor_subject, first_seq);
CREATE INDEX audit_changes_outcome ON audit_changes (outcome, first_seq);
-- The expression the store's free-text filter searches (audit/store.rs `TEXT_COLUMNS`).
CREATE INDEX audit_changes_text ON audit_changes
    USING gin ((COALESCE(reason, '') || ' ' || actor_name || ' ' || objects) gin_trgm_ops);

-- As in SQLite: an intent or outside event opens its change's row; a result or follow-up
-- needs that row and updates its outcome.
CREATE FUNCTION audit_events_keep_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind IN ('intent', 'outside') THEN
        INSERT INTO audit_changes (first_seq, change_id, kind, at, actor_subject, actor_name, reason, objects, outcome, last_seq)
        VALUES (NEW.seq, NEW.change_id, NEW.kind, NEW.at, NEW.actor_subject, NEW.actor_name, NEW.reason, NEW.objects,
                COALESCE(NEW.outcome, CASE NEW.kind WHEN 'outside' THEN 'outside' ELSE 'pending' END), NEW.seq);
    ELSE
        UPDATE audit_changes SET outcome = COALESCE(NEW.outcome, outcome), last_seq = NEW.seq
        WHERE change_id = NEW.change_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no intent recorded for this change';
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_events_keep_changes AFTER INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_keep_changes();

CREATE TABLE outside_baseline (
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    uid TEXT NOT NULL,
    generation BIGINT NOT NULL,
    managed_fields TEXT NOT NULL,
    object TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (resource, namespace, name)
);
