-- Equipment purchases of a station (issue 13, item 3): what the station-readiness subsidy paid
-- for, listed on the results report (実績報告) of the fiscal year of the purchase's day.
-- Append-only. `day` is YYYY-MM-DD (JST), `cost_yen` whole yen (1 to 10,000,000, checked by
-- carebook_domain::NewPurchase::validate), who recorded it and when.
CREATE TABLE purchases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    item TEXT NOT NULL,
    day TEXT NOT NULL,
    cost_yen BIGINT NOT NULL,
    note TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    at BIGINT NOT NULL
);
CREATE INDEX purchases_org_day ON purchases (org_id, day);
