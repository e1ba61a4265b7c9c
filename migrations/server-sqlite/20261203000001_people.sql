-- People and organisations (issue 12, items 1 and 2). Append-only: never edit once landed.

-- Organisations have names, and a kind: station | municipality (a welfare section, 障害福祉課) |
-- operator (who runs Carebook). A municipality's welfare section also names the municipality
-- code it pays for (NULL for the others).
ALTER TABLE orgs ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN municipality TEXT;

-- A person's name as records and screens show it (漢字 and かな; empty until set: the account
-- name is shown instead), their profession (carebook_domain::Profession, NULL for parents and
-- others without one), when the account was disabled (NULL while it may log in), and, after a
-- password reset, until when the one-time password may be used (NULL for a password of the
-- person's own: a login with a one-time password must set a new one).
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN display_kana TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN profession TEXT;
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users ADD COLUMN one_time_until BIGINT;

-- What was done to people and organisations, by whom: adding, disabling, enabling, changing a
-- role or organisation, resetting a password, transferring a child. `actor` is the account
-- that did it, or NULL for the operator's command line; `subject` what it was done to (a user
-- name, an organisation id, a child id); `detail` a short description without record contents.
CREATE TABLE org_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX org_events_subject ON org_events (subject, id);
