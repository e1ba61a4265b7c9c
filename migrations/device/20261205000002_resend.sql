-- After the server was restored from a backup (its epoch changed), every record the server had
-- accepted is pushed again: `resend = 1` marks those, so that one the server now refuses for
-- this device (another device may write it: a parent's copy of a nurse's visit) goes back to
-- synced instead of being marked refused — it was accepted before, and the device that may
-- write it brings it back (issue 15, item 5).
ALTER TABLE documents ADD COLUMN resend INTEGER NOT NULL DEFAULT 0;
