-- The actor filter matches a subject exactly or a name in part. A part of a name cannot use
-- an index, so it scanned the change list: 93 ms at 1M events for an actor with no change
-- of the outcome asked for. The few distinct actors are kept here (by trigger, as the
-- change list is), the filter first finds the subjects it means, then walks
-- (actor_subject, outcome, first_seq) for each (server/src/audit/store.rs `list`).
CREATE TABLE audit_actors (
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (subject, name)
) WITHOUT ROWID;

INSERT OR IGNORE INTO audit_actors (subject, name)
    SELECT DISTINCT actor_subject, actor_name FROM audit_changes;

CREATE TRIGGER audit_changes_record_actor AFTER INSERT ON audit_changes
BEGIN
    INSERT OR IGNORE INTO audit_actors (subject, name) VALUES (new.actor_subject, new.actor_name);
END;

CREATE INDEX audit_changes_actor_outcome ON audit_changes (actor_subject, outcome, first_seq);
