-- The municipality's view (issue 12, item 4). Append-only: never edit once landed.

-- The guardian's consent to share a child's records with its municipality's welfare section
-- (`Child.sharing`, schema version 3), written from each stored face sheet: the first and last
-- day it is in force (`SharingConsent::in_force_days`, YYYY-MM-DD in JST; a withdrawn consent
-- ends the day before it was withdrawn). Both NULL when no consent is recorded or it is never in
-- force. A municipality user reads the child while shared_from <= today <= shared_until.
ALTER TABLE children ADD COLUMN shared_from TEXT;
ALTER TABLE children ADD COLUMN shared_until TEXT;
CREATE INDEX children_municipality ON children (municipality);
