-- The quarantine is bounded per device and in total (issue 11, finding 6). What each device's
-- kept entries take (bytes + reason + record id + a fixed 1 KiB per entry), and how many of its
-- pushes were refused because its quota or the total was full, since when: one row per device,
-- so the record of refusals cannot itself grow with them.
CREATE TABLE quarantine_usage (
    device_id TEXT PRIMARY KEY REFERENCES devices (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    bytes BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    refused BIGINT NOT NULL,
    refused_since BIGINT, -- unix seconds of the first refusal, NULL while none
    refused_last BIGINT,
    refused_code TEXT -- the code of the last refused push
);
-- Entries kept before the quota existed are counted (their reason and id approximated by the
-- fixed part).
INSERT INTO quarantine_usage (device_id, user_id, bytes, entries, refused)
    SELECT device_id, MIN(user_id), SUM(size) + 1024 * COUNT(*), COUNT(*), 0 FROM quarantine GROUP BY device_id;
-- The total over every device, updated with each entry (a conditional update of one row is the
-- reservation, on both databases).
INSERT INTO counters (name, value) SELECT 'quarantine_bytes', COALESCE(SUM(bytes), 0) FROM quarantine_usage;
-- The same bytes from the same device are stored once: a later entry with other record id or
-- code keeps empty bytes (its size and bytes_sha256 name the earlier entry's).
CREATE INDEX quarantine_device_digest ON quarantine (device_id, bytes_sha256);
