-- Who saw what (issue 15, item 4): sign-ins (and failed and refused ones), the records of each
-- child an office, municipality or administrator account received on a device, and what such a
-- device reported its user opened or exported. Never a record's contents: the account, the
-- device, the child, the record, how many records, what was opened or exported, the address,
-- when. `action`: sign_in | sign_in_failed | sign_in_refused | received | opened | exported.
-- `username` is the name given (a failed sign-in may name no account); `user_id` and
-- `device_id` are NULL when there is none. `at` is the server's time, `happened_at` the
-- device's for what it reported (it may have been offline).
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    username TEXT NOT NULL,
    user_id TEXT,
    role TEXT,
    device_id TEXT,
    child_id TEXT,
    records BIGINT NOT NULL,
    client TEXT NOT NULL,
    record_id TEXT,
    what TEXT NOT NULL DEFAULT '',
    happened_at BIGINT
);
CREATE INDEX access_log_child ON access_log (child_id, id);
CREATE INDEX access_log_user ON access_log (username, id);
