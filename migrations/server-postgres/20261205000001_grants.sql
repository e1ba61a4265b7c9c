-- The subsidy granted to a station for a fiscal year (交付決定額; issue 13, item 3): the amount
-- of the station-readiness decision notice, shown on the results report (実績報告) against the
-- year's equipment purchases. One per station and year; recording it again replaces it (a
-- changed decision), each time with an organisation event. `fy` is the year it starts in,
-- `decided_on` YYYY-MM-DD (JST) within that year, `granted_yen` whole yen (1 to 100,000,000,
-- checked by carebook_domain::NewGrant::validate), who recorded it last and when.
CREATE TABLE grants (
    org_id TEXT NOT NULL REFERENCES orgs (id),
    fy BIGINT NOT NULL,
    granted_yen BIGINT NOT NULL,
    decided_on TEXT NOT NULL,
    note TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    at BIGINT NOT NULL,
    PRIMARY KEY (org_id, fy)
);
