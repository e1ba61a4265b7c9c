-- The lists sort by start, then id: with the id in the index too, SQLite reads the rows in that
-- order instead of sorting them again in a temporary B-tree (issue 13, item 7).
DROP INDEX visits_month_kind_status;
CREATE INDEX visits_month_kind_status ON visits (month, kind, status, start, id);
DROP INDEX visits_month;
CREATE INDEX visits_month ON visits (month, start, id);
DROP INDEX visits_year_kind;
CREATE INDEX visits_year_kind ON visits (fiscal_year, kind, start, id);
