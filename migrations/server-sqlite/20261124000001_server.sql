-- Carebook central server, SQLite. Append-only: never edit once landed.
-- Integers are BIGINT, bytes BLOB, times unix seconds (BIGINT); no booleans. The PostgreSQL
-- schema (../server-postgres) has the same tables and columns.

-- Stations and municipality offices.
CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL, -- station | municipality
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL, -- Argon2id PHC string
    role TEXT NOT NULL, -- nurse | parent | office | admin
    org_id TEXT NOT NULL REFERENCES orgs (id),
    created_at BIGINT NOT NULL
);

-- The children a nurse is assigned to, or a parent's own child.
CREATE TABLE assignments (
    user_id TEXT NOT NULL REFERENCES users (id),
    child_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, child_id)
);
CREATE INDEX assignments_child ON assignments (child_id, user_id);

-- One row per login: only the SHA-256 of the bearer token is kept.
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen BIGINT,
    revoked_at BIGINT
);
CREATE INDEX devices_user ON devices (user_id);

-- Failed logins per username, for the back-off. Times in unix milliseconds (a 1 s back-off
-- needs finer than seconds).
CREATE TABLE login_failures (
    username TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_at);

-- Which organisation owns a child: the org of whoever first pushed the child's face sheet.
CREATE TABLE children (
    child_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    municipality TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX children_org ON children (org_id);

-- The records: merged automerge bytes, the child they concern, and the sequence number of the
-- latest accepted change (the change feed's cursor).
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL, -- child | visit
    child_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    bytes BLOB NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX documents_seq ON documents (seq);
CREATE INDEX documents_child ON documents (child_id, seq);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('seq', 0);

-- Every accepted change: who, from which device, when, and the heads it produced.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    device_id TEXT NOT NULL REFERENCES devices (id),
    at BIGINT NOT NULL,
    change_hash TEXT NOT NULL,
    action TEXT NOT NULL -- created | changed
);
CREATE INDEX audit_record ON audit (record_id, id);

-- Rejected pushes, kept for the office with the raw bytes.
CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    child_id TEXT, -- when it could be told from the document
    org_id TEXT NOT NULL, -- the pushing user's organisation
    user_id TEXT NOT NULL REFERENCES users (id),
    device_id TEXT NOT NULL REFERENCES devices (id),
    at BIGINT NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    bytes BLOB NOT NULL,
    size BIGINT NOT NULL,
    bytes_sha256 BLOB NOT NULL
);
CREATE INDEX quarantine_record ON quarantine (record_id, device_id);
CREATE INDEX quarantine_child ON quarantine (child_id);
CREATE INDEX quarantine_org ON quarantine (org_id);
