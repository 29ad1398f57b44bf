-- Console sessions (tower-sessions' SQLite store reads and writes this table; the schema is
-- the store's own, created here so that all schema changes go through migrations/).
-- `data` holds the signed-in user and their tokens: it never leaves the server.
CREATE TABLE IF NOT EXISTS tower_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tower_sessions_expiry ON tower_sessions (expiry_date);
