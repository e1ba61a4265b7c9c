-- A municipality's monthly claim reads the fiscal year's respite sessions of all its children in
-- one query (issue 13, item 7) instead of one per child: by year and kind, in time order.
CREATE INDEX visits_year_kind ON visits (fiscal_year, kind, start);
