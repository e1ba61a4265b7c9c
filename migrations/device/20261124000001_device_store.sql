-- The device store. `documents` holds every record's automerge bytes; `children` and `visits`
-- are an index of plain columns derived from them, written in the same transaction and
-- rebuildable at any time from `documents` alone.

CREATE TABLE device (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('child', 'visit')),
    bytes      BLOB NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE children (
    id                  TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    kana                TEXT NOT NULL,
    birth_date          TEXT NOT NULL,
    municipality        TEXT NOT NULL,
    income_tier         TEXT NOT NULL,
    respite_enrolled_on TEXT,
    score_total         INTEGER NOT NULL,
    instruction_until   TEXT
) STRICT;

CREATE TABLE visits (
    id               TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    child_id         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    station_id       TEXT NOT NULL,
    date             TEXT,
    start            TEXT,
    month            TEXT,
    fiscal_year      INTEGER,
    duration_minutes INTEGER NOT NULL,
    billable_minutes INTEGER NOT NULL,
    uses             INTEGER NOT NULL,
    outcome          TEXT NOT NULL,
    status           TEXT NOT NULL
) STRICT;

-- Remaining respite hours: one child, one fiscal year, respite only.
CREATE INDEX visits_child_year_kind ON visits (child_id, fiscal_year, kind);
-- Lists by month.
CREATE INDEX visits_month ON visits (month, start);

-- An office's own settings; built-in defaults apply where there is no row.
CREATE TABLE municipality_rules (
    code       TEXT PRIMARY KEY,
    rules_json TEXT NOT NULL
) STRICT;

CREATE TABLE checklist_templates (
    id            TEXT PRIMARY KEY,
    template_json TEXT NOT NULL
) STRICT;
