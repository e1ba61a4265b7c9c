-- The office's review list reads everything a row shows from the index, never the documents:
-- staff names (JSON array, lead first), the guardian's confirmation, the 差し戻し (JSON), and
-- the two length flags (derived by the same rules as billable_minutes, so re-derived with it).
ALTER TABLE visits ADD COLUMN staff_names TEXT NOT NULL DEFAULT '[]';
ALTER TABLE visits ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1));
ALTER TABLE visits ADD COLUMN returned TEXT;
ALTER TABLE visits ADD COLUMN respite_length INTEGER NOT NULL DEFAULT 0 CHECK (respite_length IN (0, 1));
ALTER TABLE visits ADD COLUMN short_day INTEGER NOT NULL DEFAULT 0 CHECK (short_day IN (0, 1));

-- The office's month list narrowed by kind and status, in time order, from the index alone.
CREATE INDEX visits_month_kind_status ON visits (month, kind, status, start);

-- The new columns are empty until the index is derived again from the documents: the store
-- does that when it opens (`Store::open`) and then deletes this marker.
INSERT INTO device (key, value) VALUES ('index_stale', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
