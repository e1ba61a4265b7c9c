-- Transfers of a child between stations (issue 12, item 3). Append-only: never edit once landed.

-- The organisation of the account that first stored each record: a station keeps reading the
-- visit records its own staff wrote after the child moved on. Records stored before this
-- migration take the organisation of the account whose push created them (the audit's first
-- row), else the organisation that owns the child.
ALTER TABLE documents ADD COLUMN org_id TEXT;
UPDATE documents SET org_id = COALESCE(
    (SELECT u.org_id FROM audit a JOIN users u ON u.id = a.user_id
     WHERE a.record_id = documents.id ORDER BY a.id LIMIT 1),
    (SELECT c.org_id FROM children c WHERE c.child_id = documents.child_id));

-- Each transfer: from its first day (YYYY-MM-DD, JST) to_org owns the child; from_org's office
-- keeps reading the visits its staff wrote. children.org_id stays the organisation that first
-- claimed the child: who owns it on a day is the receiving station of the last transfer in force
-- that day, else that first owner. At most one transfer of a child is not yet in force, and each
-- begins after the one before. child_name and municipality are the face sheet's on the day of
-- the transfer (the giving station's screens name the records it keeps by them).
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    child_id TEXT NOT NULL REFERENCES children (child_id),
    from_org TEXT NOT NULL REFERENCES orgs (id),
    to_org TEXT NOT NULL REFERENCES orgs (id),
    first_day TEXT NOT NULL,
    handover_visit TEXT,
    child_name TEXT NOT NULL,
    municipality TEXT NOT NULL,
    actor TEXT REFERENCES users (id),
    at BIGINT NOT NULL
);
CREATE INDEX transfers_child ON transfers (child_id, first_day);
CREATE INDEX transfers_from ON transfers (from_org);
CREATE INDEX transfers_to ON transfers (to_org);

-- The record history also lists what was done to a record beside its changes (a face sheet's
-- transfer): a short note without record contents, NULL for changes.
ALTER TABLE audit ADD COLUMN note TEXT;
