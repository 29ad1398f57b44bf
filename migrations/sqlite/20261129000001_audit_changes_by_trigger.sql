-- The change list (audit_changes) is now kept by triggers on audit_events, so an append is
-- one INSERT, and a group of appends one multi-row INSERT (server/src/audit/store.rs): the
-- console's statements, not SQLite, were most of an append's cost. The rules are the ones
-- the store applied before: an intent or outside event opens its change's row; a result
-- or follow-up needs that row (else the whole insert fails) and updates its outcome.
CREATE TRIGGER audit_events_need_intent BEFORE INSERT ON audit_events
WHEN new.kind IN ('result', 'follow_up')
    AND NOT EXISTS (SELECT 1 FROM audit_changes WHERE change_id = new.change_id)
BEGIN
    SELECT RAISE(ABORT, 'no intent recorded for this change');
END;

CREATE TRIGGER audit_events_open_change AFTER INSERT ON audit_events
WHEN new.kind IN ('intent', 'outside')
BEGIN
    INSERT INTO audit_changes (first_seq, change_id, kind, at, actor_subject, actor_name, reason, objects, outcome, last_seq)
    VALUES (new.seq, new.change_id, new.kind, new.at, new.actor_subject, new.actor_name, new.reason, new.objects,
            COALESCE(new.outcome, CASE new.kind WHEN 'outside' THEN 'outside' ELSE 'pending' END), new.seq);
END;

CREATE TRIGGER audit_events_update_change AFTER INSERT ON audit_events
WHEN new.kind IN ('result', 'follow_up')
BEGIN
    UPDATE audit_changes SET outcome = COALESCE(new.outcome, outcome), last_seq = new.seq
    WHERE change_id = new.change_id;
END;
