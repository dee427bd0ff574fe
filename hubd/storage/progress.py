"""Recording progress events and keeping the derived lesson progress in step."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiosqlite

from hubd.storage.identity import HubIdentity
from hubd.sync.events import NewEvent
from hubd.sync.hlc import HybridClock


@dataclass(frozen=True, slots=True)
class AppendResult:
    accepted: int
    duplicates: int


def append_events(
    events: Sequence[NewEvent], identity: HubIdentity, clock: HybridClock, wall_ms: int
) -> Callable[[sqlite3.Connection], AppendResult]:
    """A write function: record new events once each, with this hub's sequence and clock."""

    def write(conn: sqlite3.Connection) -> AppendResult:
        last_seq = int(conn.execute("SELECT last_seq FROM hub").fetchone()[0])
        accepted = 0
        for event in events:
            hlc = clock.now(wall_ms)
            cursor = conn.execute(
                "INSERT INTO progress_events (event_id, origin_hub, epoch, seq, hlc, learner_id,"
                " event_type, course_id, lesson_id, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                (
                    event.event_id,
                    identity.hub_id,
                    identity.epoch,
                    last_seq + 1,
                    hlc,
                    event.learner_id,
                    event.event_type,
                    event.course_id,
                    event.lesson_id,
                    event.payload_json,
                ),
            )
            if cursor.rowcount == 1:
                last_seq += 1
                accepted += 1
                _derive(conn, event, hlc)
        conn.execute("UPDATE hub SET last_seq = ?, hlc_floor = ?", (last_seq, clock.last))
        return AppendResult(accepted=accepted, duplicates=len(events) - accepted)

    return write


def _derive(conn: sqlite3.Connection, event: NewEvent, hlc: int) -> None:
    derive_event(
        conn,
        event.event_id,
        event.learner_id,
        event.course_id,
        event.lesson_id,
        event.event_type,
        event.payload_json,
        hlc,
    )


def derive_event(
    conn: sqlite3.Connection,
    event_id: str,
    learner_id: str,
    course_id: str | None,
    lesson_id: str | None,
    event_type: str,
    payload_json: str,
    hlc: int,
) -> None:
    """Fold one new event into lesson_progress (which can always be rebuilt from the events).

    Events recorded here and events that arrive from other hubs share this fold. It gives the
    same result in any order (see hubd.sync.derive, the pure rule it mirrors): min, max, sums
    over distinct events, and the position and score of the event latest by (HLC, event id).
    """
    if course_id is None or lesson_id is None:
        return
    # Two records of one child that a teacher merged show one progress: the kept record's.
    learner_id = canonical_learner(conn, learner_id)
    conn.execute(
        "INSERT INTO lesson_progress (learner_id, course_id, lesson_id, first_hlc, last_hlc)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
        " first_hlc = min(first_hlc, excluded.first_hlc),"
        " last_hlc = max(last_hlc, excluded.last_hlc)",
        (learner_id, course_id, lesson_id, hlc, hlc),
    )
    key = (learner_id, course_id, lesson_id)
    payload = json.loads(payload_json)
    if event_type == "lesson_completed":
        conn.execute(
            "UPDATE lesson_progress SET completed_hlc = min(coalesce(completed_hlc, ?), ?)"
            " WHERE learner_id = ? AND course_id = ? AND lesson_id = ?",
            (hlc, hlc, *key),
        )
    elif event_type == "time_spent":
        conn.execute(
            "UPDATE lesson_progress SET seconds_spent = seconds_spent + ?"
            " WHERE learner_id = ? AND course_id = ? AND lesson_id = ?",
            (int(payload["seconds"]), *key),
        )
    elif event_type == "media_position":
        conn.execute(
            "UPDATE lesson_progress SET position_seconds = ?, position_hlc = ?,"
            " position_event = ? WHERE learner_id = ? AND course_id = ? AND lesson_id = ?"
            " AND (position_hlc IS NULL OR (position_hlc, position_event) < (?, ?))",
            (float(payload["seconds"]), hlc, event_id, *key, hlc, event_id),
        )
    elif event_type == "quiz_scored":
        conn.execute(
            "UPDATE lesson_progress SET last_score = ?, max_score = ?, score_hlc = ?,"
            " score_event = ? WHERE learner_id = ? AND course_id = ? AND lesson_id = ?"
            " AND (score_hlc IS NULL OR (score_hlc, score_event) < (?, ?))",
            (int(payload["score"]), int(payload["max"]), hlc, event_id, *key, hlc, event_id),
        )


MAX_MERGE_CHAIN = 16


def canonical_learner(conn: sqlite3.Connection, learner_id: str) -> str:
    """The record a learner's progress shows under: follow `merged_into` to its end.

    Two hubs can merge two records each into the other at the same time; the cycle then ends
    at the smallest id in it, the same answer everywhere."""
    seen = [learner_id]
    current = learner_id
    for _ in range(MAX_MERGE_CHAIN):
        row = conn.execute(
            "SELECT merged_into FROM learners WHERE learner_id = ?", (current,)
        ).fetchone()
        if row is None or row[0] is None:
            return current
        current = str(row[0])
        if current in seen:
            return min(seen[seen.index(current) :])
        seen.append(current)
    return current


async def count_events(db: aiosqlite.Connection, *, origin_hub: str | None = None) -> int:
    """How many progress events the hub holds (optionally from one origin hub)."""
    if origin_hub is None:
        cursor = await db.execute("SELECT count(*) FROM progress_events")
    else:
        cursor = await db.execute(
            "SELECT count(*) FROM progress_events WHERE origin_hub = ?", (origin_hub,)
        )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def event_ids(db: aiosqlite.Connection) -> set[str]:
    """Every event id the hub holds (for checks after a crash)."""
    cursor = await db.execute("SELECT event_id FROM progress_events")
    return {str(r[0]) for r in await cursor.fetchall()}
