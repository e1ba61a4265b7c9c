-- The server's epoch (issue 15, item 5): a random id made when the database is first opened
-- and replaced by every restore from a backup. A device keeps the epoch it last synced with;
-- when it changes, the device pulls again from the start and pushes back every record it
-- holds, so nothing the restored database lost stays lost. One row.
CREATE TABLE server_identity (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL
);
