-- As in SQLite (migrations/sqlite/20261203000001_audit_actors.sql): the distinct actors,
-- kept by trigger, so the actor filter finds its subjects without scanning the change list,
-- and an index per subject and outcome in change order.
CREATE TABLE audit_actors (
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (subject, name)
);

INSERT INTO audit_actors (subject, name)
    SELECT DISTINCT actor_subject, actor_name FROM audit_changes
    ON CONFLICT DO NOTHING;

CREATE FUNCTION audit_changes_record_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_actors (subject, name) VALUES (NEW.actor_subject, NEW.actor_name)
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_changes_record_actor AFTER INSERT ON audit_changes
    FOR EACH ROW EXECUTE FUNCTION audit_changes_record_actor();

CREATE INDEX audit_changes_actor_outcome ON audit_changes (actor_subject, outcome, first_seq);
