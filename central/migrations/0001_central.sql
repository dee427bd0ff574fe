-- Central's schema 1. {ID} is an auto-numbered primary key, {BIG} a 64-bit integer.
-- Times called *_ms are central's own wall clock (central has a real clock); *hlc are hybrid
-- logical clock values from hubs (see hubd/sync/hlc.py).

CREATE TABLE hubs (
    hub_id          TEXT PRIMARY KEY,           -- the hub's key id
    name            TEXT NOT NULL DEFAULT '',
    signing_key     TEXT NOT NULL,
    encryption_key  TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('waiting', 'approved', 'refused')),
    requested_ms    {BIG} NOT NULL,
    decided_ms      {BIG},
    last_seen_ms    {BIG},
    epoch           INTEGER NOT NULL DEFAULT 0,  -- the newest epoch the hub reported
    last_seq        {BIG} NOT NULL DEFAULT 0,    -- the last seq the hub issued in that epoch
    software        TEXT NOT NULL DEFAULT '',
    reply_applied   {BIG} NOT NULL DEFAULT 0,
    reply_seq       {BIG} NOT NULL DEFAULT 0     -- the last reply number issued to the hub
);

-- Every entry of every hub's log, once. cseq is central's own order of arrival: replies send a
-- learner's entries above what the hub acknowledged, in this order.
CREATE TABLE entries (
    cseq          {ID},
    origin_hub    TEXT NOT NULL,
    epoch         INTEGER NOT NULL,
    seq           {BIG} NOT NULL,
    -- 'duplicate': an event id already held under another dot (a browser that sent the same
    -- event to two hubs); kept so the dot counts as held, never forwarded or counted.
    kind          TEXT NOT NULL CHECK (kind IN ('event', 'register', 'duplicate')),
    event_id      TEXT,
    learner_id    TEXT,
    hlc           {BIG} NOT NULL,
    event_type    TEXT,
    course_id     TEXT,
    lesson_id     TEXT,
    register_key  TEXT,
    record        TEXT NOT NULL,                -- the entry's record as it travels
    UNIQUE (origin_hub, epoch, seq)
);
CREATE INDEX entries_learner ON entries (learner_id, cseq);
CREATE INDEX entries_event ON entries (event_id);
CREATE INDEX entries_event_type ON entries (event_type, learner_id);

CREATE TABLE registers (
    register_key  TEXT PRIMARY KEY,
    value         TEXT,
    hlc           {BIG} NOT NULL,
    origin_hub    TEXT NOT NULL,
    learner_id    TEXT
);
CREATE INDEX registers_learner ON registers (learner_id);

-- For each origin hub and epoch, the highest seq held with no gap below (what acks say).
CREATE TABLE vectors (
    origin_hub  TEXT NOT NULL,
    epoch       INTEGER NOT NULL,
    max_seq     {BIG} NOT NULL,
    PRIMARY KEY (origin_hub, epoch)
);

-- Which hubs receive which learner's record, and up to which cseq the hub holds it.
CREATE TABLE routes (
    route_id    {ID},
    hub_id      TEXT NOT NULL,
    learner_id  TEXT NOT NULL,
    acked_cseq  {BIG} NOT NULL DEFAULT 0,
    UNIQUE (hub_id, learner_id)
);

-- Replies not yet confirmed: applying reply N means the hub holds, for every route up to
-- routes_before, everything up to upto_cseq.
CREATE TABLE replies (
    hub_id         TEXT NOT NULL,
    sequence       {BIG} NOT NULL,
    upto_cseq      {BIG} NOT NULL,
    routes_before  {BIG} NOT NULL,
    bundle_id      TEXT NOT NULL,
    created_ms     {BIG} NOT NULL,
    PRIMARY KEY (hub_id, sequence)
);

CREATE TABLE bundle_sequences (
    issuer    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    last_seq  {BIG} NOT NULL,
    PRIMARY KEY (issuer, kind)
);

CREATE TABLE ingest_log (
    log_id     {ID},
    at_ms      {BIG} NOT NULL,
    bundle_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    issuer     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE central_clock (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    hlc        {BIG} NOT NULL
);
INSERT INTO central_clock (singleton, hlc) VALUES (1, 0);
