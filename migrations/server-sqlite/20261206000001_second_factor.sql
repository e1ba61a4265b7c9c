-- Two-factor sign-in (issue 15, item 3): TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps).
-- `totp_secret`: the confirmed secret (base32; the server must compute codes from it, so it is
-- kept as is — a stolen database gives the second factors, not the passwords); NULL when the
-- account has no second factor. `totp_pending`: the secret of an enrolment not yet confirmed with
-- a code. `totp_last_step`: the last time step (unix seconds / 30) whose code was accepted, so a
-- code is never accepted twice (RFC 6238 §5.2).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- The one-time recovery codes of an account, made at the confirmation of its second factor and
-- shown once: only the SHA-256 (hex) of each is kept (a code holds 80 random bits, so a hash
-- without salt or stretching cannot be reversed by guessing). `used_at` is set when one is spent.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id, code_hash);

-- A device signed in by an account that must have a second factor and has none yet may only
-- enrol one (1) until it does; every other route answers `second_factor_enrolment_required`.
ALTER TABLE devices ADD COLUMN enrol_only BIGINT NOT NULL DEFAULT 0;
