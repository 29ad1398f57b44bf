-- A single row that /readyz rewrites to prove the database accepts writes
-- (a read would succeed on a full disk or a read-only file).
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
);
