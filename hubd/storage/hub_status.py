"""What the hub page shows about the hub itself: activity now, sync, data waiting to leave."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from hubd.storage.identity import HubIdentity

CENTRAL = "central"


@dataclass(frozen=True, slots=True)
class LastSync:
    hlc: int
    direction: str
    bundle_kind: str
    outcome: str
    detail: str


@dataclass(frozen=True, slots=True)
class Waiting:
    """What central has not acknowledged yet (this hub's own log)."""

    events: int
    changes: int
    learners: int


async def learners_active_since(db: aiosqlite.Connection, since_hlc: int) -> int:
    """Learners who did something since a time (the ones "connected now")."""
    cursor = await db.execute(
        "SELECT count(DISTINCT learner_id) FROM progress_events WHERE hlc >= ?", (since_hlc,)
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def last_sync(db: aiosqlite.Connection) -> LastSync | None:
    cursor = await db.execute(
        "SELECT hlc, direction, bundle_kind, outcome, detail FROM sync_log"
        " ORDER BY hlc DESC LIMIT 1"
    )
    r = await cursor.fetchone()
    return None if r is None else LastSync(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]))


async def waiting_to_leave(db: aiosqlite.Connection, hub: HubIdentity) -> Waiting:
    """Events and edits made here that central has not acknowledged."""
    cursor = await db.execute(
        "SELECT coalesce((SELECT acked_seq FROM sync_acks WHERE peer = ? AND origin_hub = ?"
        " AND epoch = ?), 0)",
        (CENTRAL, hub.hub_id, hub.epoch),
    )
    row = await cursor.fetchone()
    acked = int(row[0]) if row else 0
    cursor = await db.execute(
        "SELECT count(*), count(DISTINCT learner_id) FROM progress_events"
        " WHERE origin_hub = ? AND epoch = ? AND seq > ?",
        (hub.hub_id, hub.epoch, acked),
    )
    events = await cursor.fetchone()
    cursor = await db.execute(
        "SELECT count(*) FROM register_changes WHERE origin_hub = ? AND epoch = ? AND seq > ?",
        (hub.hub_id, hub.epoch, acked),
    )
    changes = await cursor.fetchone()
    assert events is not None and changes is not None
    return Waiting(int(events[0]), int(changes[0]), int(events[1]))


async def database_bytes(db: aiosqlite.Connection) -> int:
    """The database's size (pages in use times page size)."""
    cursor = await db.execute("PRAGMA page_count")
    pages = await cursor.fetchone()
    cursor = await db.execute("PRAGMA page_size")
    size = await cursor.fetchone()
    return int(pages[0]) * int(size[0]) if pages and size else 0
