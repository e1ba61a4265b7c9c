-- The office's review rows read whether the doctor's instruction was in force on a visit's day
-- from the index (its first and last valid day), never the face sheet (issue 13, item 7).
ALTER TABLE children ADD COLUMN instruction_from TEXT;

-- Empty until the index is derived again from the documents (`Store::open` does, then deletes
-- this marker).
INSERT INTO device (key, value) VALUES ('index_stale', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
