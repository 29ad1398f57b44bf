-- What the console last saw of each watched object (server/src/audit/outside.rs), so a
-- change made outside the console is recorded even when it happened while the console was
-- down. `object` is noise-stripped and redacted (secret values are fingerprints), like
-- everything in the audit trail. Not part of the chain: it only decides what to record.
CREATE TABLE outside_baseline (
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    uid TEXT NOT NULL,
    generation INTEGER NOT NULL,
    -- JSON array of {manager, operation, time} of the object's managedFields (no status).
    managed_fields TEXT NOT NULL,
    object TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (resource, namespace, name)
);
