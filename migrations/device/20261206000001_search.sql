-- Search on the device (issue 14): each visit's free text (`carebook_domain::VisitText`, kept
-- for the excerpt a result shows) and a full-text index of it. The terms are cut in Rust
-- (`carebook_domain::search::index_terms`: pairs of characters for Japanese, whole Latin
-- words) and separated by spaces, so the `ascii` tokenizer, for which every non-ASCII character
-- is part of a term, splits them exactly there. The index holds no copy of the terms
-- (contentless); a deleted text row deletes its terms.
--
-- Like the rest of the index, all of it derives from `documents`. A visit received from the
-- server is indexed for search afterwards, from its document (`search_pending`), so pulling
-- does not load documents it did not load before; a visit saved here is indexed at once.
CREATE TABLE visit_text (
    n    INTEGER PRIMARY KEY,
    id   TEXT NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE,
    text TEXT NOT NULL
) STRICT;

CREATE VIRTUAL TABLE visit_terms USING fts5 (terms, content = '', contentless_delete = 1, tokenize = 'ascii');

CREATE TRIGGER visit_text_deleted AFTER DELETE ON visit_text BEGIN
    DELETE FROM visit_terms WHERE rowid = old.n;
END;

CREATE TABLE search_pending (
    id TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE
) STRICT;

-- The visits already on the device wait to be indexed.
INSERT INTO search_pending (id) SELECT id FROM documents WHERE kind = 'visit';
