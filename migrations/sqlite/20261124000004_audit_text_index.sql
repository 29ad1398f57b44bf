-- Free-text search of the audit list (reason, actor name, objects) without scanning every
-- row: an FTS5 index with the trigram tokenizer, which matches any substring of three or
-- more characters in any language (Japanese has no spaces for a word tokenizer to split
-- on). It indexes audit_changes (external content), kept in step by triggers; only the
-- indexed columns' updates touch it (outcome updates do not).
CREATE VIRTUAL TABLE audit_changes_text USING fts5(
    reason, actor_name, objects,
    content = 'audit_changes', content_rowid = 'first_seq',
    tokenize = 'trigram'
);
INSERT INTO audit_changes_text (audit_changes_text) VALUES ('rebuild');

CREATE TRIGGER audit_changes_text_insert AFTER INSERT ON audit_changes
BEGIN
    INSERT INTO audit_changes_text (rowid, reason, actor_name, objects)
    VALUES (new.first_seq, new.reason, new.actor_name, new.objects);
END;
CREATE TRIGGER audit_changes_text_update AFTER UPDATE OF reason, actor_name, objects ON audit_changes
BEGIN
    INSERT INTO audit_changes_text (audit_changes_text, rowid, reason, actor_name, objects)
    VALUES ('delete', old.first_seq, old.reason, old.actor_name, old.objects);
    INSERT INTO audit_changes_text (rowid, reason, actor_name, objects)
    VALUES (new.first_seq, new.reason, new.actor_name, new.objects);
END;
CREATE TRIGGER audit_changes_text_delete AFTER DELETE ON audit_changes
BEGIN
    INSERT INTO audit_changes_text (audit_changes_text, rowid, reason, actor_name, objects)
    VALUES ('delete', old.first_seq, old.reason, old.actor_name, old.objects);
END;
