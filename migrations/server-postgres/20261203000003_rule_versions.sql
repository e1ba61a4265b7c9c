-- Municipality settings and checklist templates as dated versions (issue 12, item 5). Append-only.
-- One row per published version: `kind` municipality | template, `key` the municipality code or
-- the template id, `effective_from` the first day it applies (YYYY-MM-DD, JST), `body` the
-- version as JSON (carebook_domain::RuleVersion), who published it and when. A version already
-- in force is never replaced: a change is a new version from a later date.
CREATE TABLE rule_versions (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    body TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    at BIGINT NOT NULL,
    PRIMARY KEY (kind, key, effective_from)
);
