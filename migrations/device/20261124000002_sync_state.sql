-- Sync state per document. A document is waiting to sync while local_version > synced_version.
-- A rejected push keeps the record on the device, marked with the server's code and reason,
-- until it is changed again locally.
ALTER TABLE documents ADD COLUMN local_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE documents ADD COLUMN synced_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN rejected_code TEXT;
ALTER TABLE documents ADD COLUMN rejected_reason TEXT;

CREATE INDEX documents_pending ON documents (id) WHERE local_version > synced_version;
CREATE INDEX documents_rejected ON documents (id) WHERE rejected_code IS NOT NULL;
