-- Schema 1: the hub's identity, people, courses, progress and sync state.
-- Times called *_hlc are hybrid logical clock values (see hubd/sync/hlc.py), never wall clock.

CREATE TABLE hub (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    hub_id       TEXT NOT NULL,               -- random, made on first start, never reused
    epoch        INTEGER NOT NULL DEFAULT 1,  -- bumped after a restore from backup
    last_seq     INTEGER NOT NULL DEFAULT 0,  -- last sequence number issued in this epoch
    hlc_floor    INTEGER NOT NULL DEFAULT 0,  -- the clock never goes below this
    name         TEXT NOT NULL,
    created_hlc  INTEGER NOT NULL
) STRICT;

-- People -----------------------------------------------------------------------------------

CREATE TABLE learner_groups (
    group_id     TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    sign_in      TEXT NOT NULL DEFAULT 'pin' CHECK (sign_in IN ('pin', 'picture', 'none')),
    archived     INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    updated_hlc  INTEGER NOT NULL
) STRICT;

CREATE TABLE learners (
    learner_id    TEXT PRIMARY KEY,               -- globally unique: travels between hubs
    display_name  TEXT NOT NULL,
    pin_hash      TEXT,
    picture       TEXT,
    language      TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    home_hub      TEXT NOT NULL,
    merged_into   TEXT REFERENCES learners (learner_id),
    updated_hlc   INTEGER NOT NULL
) STRICT;

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES learner_groups (group_id),
    learner_id  TEXT NOT NULL REFERENCES learners (learner_id),
    PRIMARY KEY (group_id, learner_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_members_learner ON group_members (learner_id);

CREATE TABLE staff (
    staff_id       TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'teacher')),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    created_hlc    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,           -- sha256 of the cookie value; the value is not kept
    kind         TEXT NOT NULL CHECK (kind IN ('learner', 'staff')),
    subject_id   TEXT NOT NULL,
    created_hlc  INTEGER NOT NULL,
    last_seen_hlc INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_subject ON sessions (kind, subject_id);

-- Courses ----------------------------------------------------------------------------------

-- Files are stored once by content hash under blobs/; versions of a course share them.
CREATE TABLE blobs (
    sha256  TEXT PRIMARY KEY,
    size    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- One row per course: the version learners see. A new version replaces it in one transaction.
CREATE TABLE courses (
    course_id     TEXT PRIMARY KEY,
    version       INTEGER NOT NULL,
    language      TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    subject       TEXT,
    manifest      TEXT NOT NULL,             -- course.json as installed
    installed_hlc INTEGER NOT NULL
) STRICT;

CREATE TABLE course_files (
    course_id  TEXT NOT NULL REFERENCES courses (course_id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    size       INTEGER NOT NULL,
    PRIMARY KEY (course_id, path)
) STRICT, WITHOUT ROWID;
CREATE INDEX course_files_blob ON course_files (sha256);

CREATE TABLE lessons (
    course_id         TEXT NOT NULL REFERENCES courses (course_id) ON DELETE CASCADE,
    lesson_id         TEXT NOT NULL,
    module_id         TEXT NOT NULL,
    module_title      TEXT NOT NULL,
    position          INTEGER NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('text', 'video', 'audio', 'pdf', 'html5', 'quiz')),
    title             TEXT NOT NULL,
    file              TEXT NOT NULL,
    captions          TEXT,
    duration_seconds  INTEGER,
    assessment        TEXT CHECK (assessment IN ('pre', 'post', 'practice')),
    PRIMARY KEY (course_id, lesson_id)
) STRICT, WITHOUT ROWID;

-- Keyword search: text is folded (case, accents, Arabic marks) before it is indexed, and the
-- tokenizer folds again, so queries match whatever way a learner types them.
CREATE VIRTUAL TABLE search_index USING fts5 (
    course_id UNINDEXED,
    lesson_id UNINDEXED,
    language UNINDEXED,
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE assignments (
    assignment_id  TEXT PRIMARY KEY,
    group_id       TEXT NOT NULL REFERENCES learner_groups (group_id),
    course_id      TEXT NOT NULL,
    lesson_id      TEXT,                    -- NULL: the whole course
    due_date       TEXT,                    -- a calendar date as the teacher typed it (YYYY-MM-DD)
    removed        INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_hlc    INTEGER NOT NULL
) STRICT;
CREATE INDEX assignments_group ON assignments (group_id);

-- Learner data that syncs ----------------------------------------------------------------------

-- Append-only: never updated, never deleted before the online database has acknowledged it.
CREATE TABLE progress_events (
    event_id     TEXT PRIMARY KEY,          -- made by the browser; importing twice changes nothing
    origin_hub   TEXT NOT NULL,
    epoch        INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    hlc          INTEGER NOT NULL,
    learner_id   TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    course_id    TEXT,
    lesson_id    TEXT,
    payload      TEXT NOT NULL,             -- JSON object
    UNIQUE (origin_hub, epoch, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX progress_events_learner ON progress_events (learner_id, hlc);

-- Edited things (a learner's name, a group, an assignment) as last-writer-wins registers:
-- each change is logged with the hub's sequence so it travels like an event.
CREATE TABLE register_changes (
    origin_hub    TEXT NOT NULL,
    epoch         INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    register_key  TEXT NOT NULL,            -- e.g. learner/<id>/display_name
    value         TEXT,                     -- JSON; NULL is a tombstone
    hlc           INTEGER NOT NULL,
    PRIMARY KEY (origin_hub, epoch, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE registers (
    register_key  TEXT PRIMARY KEY,
    value         TEXT,
    hlc           INTEGER NOT NULL,
    origin_hub    TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Derived from progress_events; can be rebuilt from them at any time.
CREATE TABLE lesson_progress (
    learner_id     TEXT NOT NULL,
    course_id      TEXT NOT NULL,
    lesson_id      TEXT NOT NULL,
    first_hlc      INTEGER NOT NULL,
    last_hlc       INTEGER NOT NULL,
    completed_hlc  INTEGER,
    seconds_spent  INTEGER NOT NULL DEFAULT 0,
    position_seconds REAL,
    last_score     INTEGER,
    max_score      INTEGER,
    PRIMARY KEY (learner_id, course_id, lesson_id)
) STRICT, WITHOUT ROWID;

-- Sync state -------------------------------------------------------------------------------

-- For each peer ('central' or a hub id), the highest sequence per origin and epoch that it has
-- acknowledged with no gap below it. What may leave (and, after an ack, be pruned) follows.
CREATE TABLE sync_acks (
    peer        TEXT NOT NULL,
    origin_hub  TEXT NOT NULL,
    epoch       INTEGER NOT NULL,
    acked_seq   INTEGER NOT NULL,
    PRIMARY KEY (peer, origin_hub, epoch)
) STRICT, WITHOUT ROWID;

-- What this hub holds of other hubs' logs, with no gap below (its version vector).
CREATE TABLE version_vector (
    origin_hub  TEXT NOT NULL,
    epoch       INTEGER NOT NULL,
    max_seq     INTEGER NOT NULL,
    PRIMARY KEY (origin_hub, epoch)
) STRICT, WITHOUT ROWID;

-- Replayed or older bundles are refused by these, updated in the transaction that applies one.
CREATE TABLE bundle_sequences (
    issuer    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    last_seq  INTEGER NOT NULL,
    PRIMARY KEY (issuer, kind)
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_log (
    sync_id      INTEGER PRIMARY KEY,
    hlc          INTEGER NOT NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    bundle_kind  TEXT NOT NULL,
    bundle_id    TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT ''
) STRICT;
