-- The monthly claims read each session's lead nurse from the index, never the documents: the
-- first lead's name ('' when the record names none — not the first name of the staff list,
-- which is an accompanying one then).
ALTER TABLE visits ADD COLUMN lead TEXT NOT NULL DEFAULT '';

-- Empty until the index is derived again from the documents: the store does that when it opens
-- (`Store::open`) and then deletes this marker.
INSERT INTO device (key, value) VALUES ('index_stale', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
