-- Sync follows access. Every record knows its child (its bucket); the device keeps which
-- children's records it holds in full (`sync_buckets`), and what it removed when its account
-- could no longer read a child (`access_removals`, shown by `sync --status` and the app).
ALTER TABLE documents ADD COLUMN child_id TEXT;
UPDATE documents SET child_id = id WHERE kind = 'child';
UPDATE documents SET child_id = (SELECT v.child_id FROM visits v WHERE v.id = documents.id) WHERE kind = 'visit';
CREATE INDEX documents_child ON documents (child_id);

-- complete = 1: every record of the child up to the sync cursor is on the device.
-- complete = 0: some records are here, but the device may lack older ones (held from before
-- buckets existed, or arrived while access was changing): the next sync catches it up or,
-- if the account may no longer read the child, removes it.
CREATE TABLE sync_buckets (
    child_id TEXT PRIMARY KEY,
    complete INTEGER NOT NULL CHECK (complete IN (0, 1))
) STRICT;
-- What came from the server (or was accepted by it) before this version: catch up, or remove.
INSERT INTO sync_buckets (child_id, complete)
    SELECT DISTINCT child_id, 0 FROM documents
    WHERE child_id IS NOT NULL AND synced_version > 0 AND rejected_code IS NULL;

CREATE TABLE access_removals (
    id          INTEGER PRIMARY KEY,
    child_id    TEXT NOT NULL,
    child_name  TEXT,
    records     INTEGER NOT NULL, -- removed from the device
    quarantined INTEGER NOT NULL, -- of those, edits the server refused (kept in its quarantine)
    at          TEXT NOT NULL
) STRICT;
