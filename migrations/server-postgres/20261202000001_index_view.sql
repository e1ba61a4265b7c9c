-- A visit's index fields (carebook_domain::VisitIndexView as JSON), written with each accepted
-- version and sent beside it on the change feed, so a device need not load a visit new to it
-- to index it. NULL for face sheets and for versions stored before this column existed.
ALTER TABLE documents ADD COLUMN index_json TEXT;
