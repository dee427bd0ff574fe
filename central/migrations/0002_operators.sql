-- Central's schema 2: the operators who sign in to central's pages, and their sessions.

CREATE TABLE operators (
    name           TEXT PRIMARY KEY,
    password_hash  TEXT NOT NULL,               -- argon2id, as hubd hashes staff passwords
    created_ms     {BIG} NOT NULL
);

-- A session is known by the sha256 of its cookie, so a copy of the database opens none.
CREATE TABLE operator_sessions (
    token_hash  TEXT PRIMARY KEY,
    operator    TEXT NOT NULL,
    expires_ms  {BIG} NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator);
