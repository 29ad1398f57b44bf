-- Session ids ended by sign-out or replaced at sign-in, shared by every replica
-- (server/src/auth/revoked.rs): SHA-256 of the id, and until when it is remembered (Unix
-- seconds).
CREATE TABLE revoked_sessions (
    id_hash TEXT PRIMARY KEY,
    until BIGINT NOT NULL
);
