-- Coordinator support (issue 13, item 4): a coordinator's work for a child before the
-- service-use plan (8 hours a child, the subsidy up to 32,000 yen), and the regional meetings
-- and trainings of a station (3 a year, up to 420,000 yen). Append-only, checked by
-- carebook_domain::NewCoordinatorWork / NewRegionalMeeting::validate. `day` is YYYY-MM-DD (JST);
-- who recorded each row and when. `kind` is the domain's name (liaison, meeting …).
CREATE TABLE coordinator_work (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    child_id TEXT NOT NULL,
    day TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    cost_yen BIGINT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    at BIGINT NOT NULL
);
CREATE INDEX coordinator_work_org_day ON coordinator_work (org_id, day);

CREATE TABLE regional_meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    cost_yen BIGINT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    at BIGINT NOT NULL
);
CREATE INDEX regional_meetings_org_day ON regional_meetings (org_id, day);
