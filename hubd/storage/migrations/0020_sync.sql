-- Schema 20: sync with central (see docs/sync.md).

-- Derived progress must not depend on the order events arrive in: the latest media position
-- and quiz score are those of the event latest by (HLC, event id), remembered here.
ALTER TABLE lesson_progress ADD COLUMN position_hlc INTEGER;
ALTER TABLE lesson_progress ADD COLUMN position_event TEXT;
ALTER TABLE lesson_progress ADD COLUMN score_hlc INTEGER;
ALTER TABLE lesson_progress ADD COLUMN score_event TEXT;

-- Numbers of the bundles this hub issues, per kind and epoch (a hub restored from a backup
-- starts a new epoch and numbers afresh, so central never takes it for a replay).
CREATE TABLE sync_outbox (
    kind      TEXT NOT NULL,
    epoch     INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    PRIMARY KEY (kind, epoch)
) STRICT, WITHOUT ROWID;

-- Entries of this hub's own log that central acknowledged and the hub then deleted: an entry
-- at or below this mark that comes back (a restored hub's old epoch) is not taken twice.
CREATE TABLE sync_pruned (
    origin_hub   TEXT NOT NULL,
    epoch        INTEGER NOT NULL,
    pruned_upto  INTEGER NOT NULL,
    PRIMARY KEY (origin_hub, epoch)
) STRICT, WITHOUT ROWID;

CREATE INDEX register_changes_key ON register_changes (register_key);
