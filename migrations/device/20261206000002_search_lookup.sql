-- Search, measured at 10k visits (BENCHMARKS.md): a word found in every note matched 10k terms
-- rows, each looked up in `visit_text` by its number to get the visit's id. This index holds
-- both, so those lookups read it instead of the rows with their text. And the visits in time
-- order, so the newest matches are read first and the query stops at the page's end instead of
-- sorting every match; with the child and the day in it, a search reads no visit row at all.
CREATE INDEX visit_text_n_id ON visit_text (n, id);
CREATE INDEX visits_start ON visits (start, id, child_id, date, month);
