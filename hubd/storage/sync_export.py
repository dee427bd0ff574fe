"""Reading what leaves for central: this hub's own log above central's acknowledgement.

The export streams from a plain read connection (in a thread), oldest first, so a million
events never sit in memory at once; what it may read is only what was committed, so an event
is durable before it can leave.
"""

from __future__ import annotations

import contextlib
import heapq
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from hubd.storage import database
from hubd.sync.model import Dot, Entry, Event, RegisterChange

CENTRAL = "central"


@dataclass(frozen=True, slots=True)
class HubLogState:
    """Where this hub's own log stands."""

    hub_id: str
    epoch: int
    last_seq: int
    reply_applied: int
    acks: dict[tuple[str, int], int]


def log_state(conn: sqlite3.Connection) -> HubLogState:
    """The hub's id, epoch, last issued seq, last reply applied and central's acks."""
    row = conn.execute("SELECT hub_id, epoch, last_seq FROM hub").fetchone()
    hub_id = str(row[0])
    reply = conn.execute(
        "SELECT coalesce(max(last_seq), 0) FROM bundle_sequences WHERE kind = 'reply'"
    ).fetchone()
    acks = {
        (str(r[0]), int(r[1])): int(r[2])
        for r in conn.execute(
            "SELECT origin_hub, epoch, acked_seq FROM sync_acks WHERE peer = ? AND origin_hub = ?",
            (CENTRAL, hub_id),
        )
    }
    return HubLogState(hub_id, int(row[1]), int(row[2]), int(reply[0]), acks)


def own_epochs(conn: sqlite3.Connection, hub_id: str) -> list[int]:
    """Every epoch of this hub's log that still holds entries, oldest first."""
    rows = conn.execute(
        "SELECT DISTINCT epoch FROM progress_events WHERE origin_hub = ?"
        " UNION SELECT DISTINCT epoch FROM register_changes WHERE origin_hub = ?"
        " ORDER BY 1",
        (hub_id, hub_id),
    )
    return [int(r[0]) for r in rows]


def count_unacknowledged(conn: sqlite3.Connection, state: HubLogState) -> int:
    """How many of this hub's own entries central has not acknowledged."""
    total = 0
    for epoch in own_epochs(conn, state.hub_id):
        acked = state.acks.get((state.hub_id, epoch), 0)
        for table in ("progress_events", "register_changes"):
            row = conn.execute(
                f"SELECT count(*) FROM {table} WHERE origin_hub = ? AND epoch = ? AND seq > ?",  # noqa: S608
                (state.hub_id, epoch, acked),
            ).fetchone()
            total += int(row[0])
    return total


def unacknowledged(conn: sqlite3.Connection, state: HubLogState) -> Iterator[Entry]:
    """This hub's own entries above central's ack, oldest epoch first, then by sequence."""
    for epoch in own_epochs(conn, state.hub_id):
        acked = state.acks.get((state.hub_id, epoch), 0)
        args = (state.hub_id, epoch, acked)
        events = conn.execute(
            "SELECT seq, event_id, hlc, learner_id, event_type, course_id, lesson_id, payload"
            " FROM progress_events WHERE origin_hub = ? AND epoch = ? AND seq > ? ORDER BY seq",
            args,
        )
        changes = conn.cursor().execute(
            "SELECT seq, register_key, value, hlc FROM register_changes"
            " WHERE origin_hub = ? AND epoch = ? AND seq > ? ORDER BY seq",
            args,
        )
        hub = state.hub_id
        yield from heapq.merge(
            (_event(hub, epoch, r) for r in events),
            (_change(hub, epoch, r) for r in changes),
            key=lambda e: e.dot.seq,
        )


def _event(hub: str, epoch: int, r: sqlite3.Row) -> Entry:
    return Event(
        Dot(hub, epoch, int(r[0])),
        str(r[1]),
        int(r[2]),
        str(r[3]),
        str(r[4]),
        r[5],
        r[6],
        str(r[7]),
    )


def _change(hub: str, epoch: int, r: sqlite3.Row) -> Entry:
    return RegisterChange(Dot(hub, epoch, int(r[0])), str(r[1]), r[2], int(r[3]))


def reserve_bundle_number(kind: str, epoch: int) -> Callable[[sqlite3.Connection], int]:
    """A write function: the next number of a bundle this hub issues (gaps are harmless)."""

    def write(conn: sqlite3.Connection) -> int:
        row = conn.execute(
            "INSERT INTO sync_outbox (kind, epoch, last_seq) VALUES (?, ?, 1)"
            " ON CONFLICT (kind, epoch) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
            (kind, epoch),
        ).fetchone()
        return int(row[0])

    return write


def log_sync(
    hlc: int, direction: str, kind: str, bundle_id: str, outcome: str, detail: str
) -> Callable[[sqlite3.Connection], None]:
    """A write function: one line of the hub's sync history (shown on the admin page)."""

    def write(conn: sqlite3.Connection) -> None:
        record_sync(conn, hlc, direction, kind, bundle_id, outcome, detail)

    return write


def record_sync(
    conn: sqlite3.Connection,
    hlc: int,
    direction: str,
    kind: str,
    bundle_id: str,
    outcome: str,
    detail: str,
) -> None:
    """Add one line to sync_log inside the caller's transaction."""
    conn.execute(
        "INSERT INTO sync_log (hlc, direction, bundle_kind, bundle_id, outcome, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (hlc, direction, kind, bundle_id, outcome, detail),
    )


async def central_has_answered(db: aiosqlite.Connection) -> bool:
    """Whether this hub has ever applied a reply (so central knows and approved it)."""
    cursor = await db.execute("SELECT count(*) FROM bundle_sequences WHERE kind = 'reply'")
    row = await cursor.fetchone()
    return bool(row and row[0])


async def current_epoch(db: aiosqlite.Connection) -> int:
    """The epoch this hub's new entries are numbered in."""
    cursor = await db.execute("SELECT epoch FROM hub")
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


@contextlib.contextmanager
def read_snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """A read connection holding one snapshot (for a header and the entries after it)."""
    conn = database.connect_reader(path)
    try:
        conn.execute("BEGIN")
        yield conn
    finally:
        conn.close()
