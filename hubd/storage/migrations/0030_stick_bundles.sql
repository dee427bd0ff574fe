-- Schema 30: bundles this hub has already dealt with on a stick (see docs/usb.md).
--
-- A stick's bundles are only peeked at to decide whether to read them; this record lets a
-- session skip a bundle already applied (by bundle id: a verified bundle's id is its own) or
-- refused for good (by fingerprint, the sha256 of its manifest and signature bytes: a forged
-- copy of a real bundle's id can never make the real one be skipped). Only permanent reasons
-- are kept (bad signature, another fleet, malformed, replayed); a stick that stopped answering
-- is never a reason. Replays are still refused by sequence number in bundle_sequences: this
-- table only saves re-reading.
CREATE TABLE stick_bundles (
    seq          INTEGER PRIMARY KEY,
    fingerprint  TEXT NOT NULL UNIQUE,
    bundle_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('applied', 'refused')),
    code         TEXT NOT NULL
) STRICT;

CREATE INDEX stick_bundles_applied ON stick_bundles (bundle_id) WHERE outcome = 'applied';
