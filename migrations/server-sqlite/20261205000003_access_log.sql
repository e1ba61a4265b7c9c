-- Who saw what (issue 15, item 4): sign-ins (and failed and refused ones), and the records of
-- each child an office, municipality or administrator account received on a device. Never a
-- record's contents: the account, the device, the child, how many records, the address, when.
-- `action`: sign_in | sign_in_failed | sign_in_refused | received. `username` is the name
-- given (a failed sign-in may name no account); `user_id` and `device_id` are NULL when
-- there is none.
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
    client TEXT NOT NULL
);
CREATE INDEX access_log_child ON access_log (child_id, id);
CREATE INDEX access_log_user ON access_log (username, id);
