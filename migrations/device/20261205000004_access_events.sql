-- What the user of an office, municipality or administrator device opened or exported here,
-- kept until the next sync reports it to the server's access log (issue 15, item 4). Names and
-- ids, never contents. `at` is Unix seconds by the device's clock.
CREATE TABLE access_events (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('opened', 'exported')),
    record_id TEXT,
    child_id  TEXT,
    what      TEXT NOT NULL
) STRICT;
