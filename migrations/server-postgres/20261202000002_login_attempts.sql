-- Login attempts, counted before the password is checked (issue 11, findings 2 and 3). One row
-- per key: `a|<client address>` (every user name from that address) and
-- `u|<client address>|<user name>`. Times in unix ms: `first_at` starts the count's window,
-- `locked_until` is when the next attempt may be made.
-- The old per-user-name table goes: keyed by name alone, anyone could lock a nurse out.
DROP TABLE login_failures;
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);
CREATE INDEX login_attempts_last ON login_attempts (last_at);
