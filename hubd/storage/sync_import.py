"""Applying what central sent: acks, the records of learners who arrived, the signed time.

All of it happens inside one write function, so a reply is applied whole or not at all, with
its sequence number kept in the same transaction. Importing is idempotent: an entry already
held (by dot or by event id), or one this hub pruned after central acknowledged it, is skipped.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hubd.storage.catalogue import BundleSequence, accept_bundle_sequence
from hubd.storage.progress import canonical_learner, derive_event
from hubd.storage.sync_export import CENTRAL, record_sync
from hubd.sync.messages import Reply
from hubd.sync.model import Entry, Event, RegisterChange, learner_of_key
from hubd.sync.rules import register_wins

_LEARNER_FIELDS = ("display_name", "language", "active", "home_hub", "merged_into")


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    """What applying a reply changed, in numbers a technician can read."""

    events_added: int
    changes_added: int
    learners_arrived: int
    acked: dict[tuple[str, int], int]
    time_hlc: int


def apply_reply(
    reply: Reply, bundle: BundleSequence, bundle_id: str
) -> Callable[[sqlite3.Connection], ReplyOutcome]:
    """A write function: apply a verified, parsed reply in the caller's transaction."""

    def write(conn: sqlite3.Connection) -> ReplyOutcome:
        accept_bundle_sequence(conn, bundle)
        for (origin, epoch), seq in reply.acks.items():
            conn.execute(
                "INSERT INTO sync_acks (peer, origin_hub, epoch, acked_seq) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (peer, origin_hub, epoch) DO UPDATE"
                " SET acked_seq = max(acked_seq, excluded.acked_seq)",
                (CENTRAL, origin, epoch, seq),
            )
        events, changes, touched = import_entries(conn, reply.entries)
        arrived = project_learners(conn, touched)
        newest = max([reply.time_hlc, *(e.hlc for e in reply.entries)])
        # The clock floor only moves forward: central's signed time, and every time seen.
        conn.execute("UPDATE hub SET hlc_floor = max(hlc_floor, ?)", (newest,))
        detail = f"{events} events, {changes} changes, {arrived} learners arrived"
        record_sync(conn, newest, "in", "reply", bundle_id, "applied", detail)
        return ReplyOutcome(events, changes, arrived, dict(reply.acks), reply.time_hlc)

    return write


def _pruned(conn: sqlite3.Connection) -> dict[tuple[str, int], int]:
    return {
        (str(r[0]), int(r[1])): int(r[2])
        for r in conn.execute("SELECT origin_hub, epoch, pruned_upto FROM sync_pruned")
    }


def import_entries(conn: sqlite3.Connection, entries: Iterable[Entry]) -> tuple[int, int, set[str]]:
    """Insert entries not held yet, fold new events, merge register changes.

    Returns (events added, changes added, learners whose registers changed)."""
    pruned = _pruned(conn)
    events = changes = 0
    touched: set[str] = set()
    for entry in entries:
        dot = entry.dot
        if dot.seq <= pruned.get(dot.stream, 0):
            continue
        if isinstance(entry, Event):
            cursor = conn.execute(
                "INSERT INTO progress_events (event_id, origin_hub, epoch, seq, hlc, learner_id,"
                " event_type, course_id, lesson_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (
                    entry.event_id,
                    dot.origin_hub,
                    dot.epoch,
                    dot.seq,
                    entry.hlc,
                    entry.learner_id,
                    entry.event_type,
                    entry.course_id,
                    entry.lesson_id,
                    entry.payload_json,
                ),
            )
            if cursor.rowcount == 1:
                events += 1
                derive_event(
                    conn,
                    entry.event_id,
                    entry.learner_id,
                    entry.course_id,
                    entry.lesson_id,
                    entry.event_type,
                    entry.payload_json,
                    entry.hlc,
                )
        elif _take_change(conn, entry):
            changes += 1
            learner = learner_of_key(entry.key)
            if learner is not None:
                touched.add(learner)
    return events, changes, touched


def _take_change(conn: sqlite3.Connection, change: RegisterChange) -> bool:
    dot = change.dot
    cursor = conn.execute(
        "INSERT INTO register_changes (origin_hub, epoch, seq, register_key, value, hlc)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (dot.origin_hub, dot.epoch, dot.seq, change.key, change.value_json, change.hlc),
    )
    if cursor.rowcount != 1:
        return False
    row = conn.execute(
        "SELECT hlc, origin_hub, value FROM registers WHERE register_key = ?", (change.key,)
    ).fetchone()
    old = None if row is None else (int(row[0]), str(row[1]), row[2])
    if register_wins((change.hlc, dot.origin_hub, change.value_json), old):
        conn.execute(
            "INSERT INTO registers (register_key, value, hlc, origin_hub) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (register_key) DO UPDATE SET value = excluded.value,"
            " hlc = excluded.hlc, origin_hub = excluded.origin_hub",
            (change.key, change.value_json, change.hlc, dot.origin_hub),
        )
    return True


def project_learners(conn: sqlite3.Connection, learner_ids: Iterable[str]) -> int:
    """Make the learners table show what the registers say (learners who arrived included).

    A learner appears once their name is known. A merge into a learner this hub does not
    hold, or membership of a group it does not have, waits until they arrive. Returns how many
    learners arrived.
    """
    arrived = 0
    pending = set(learner_ids)
    # A record merged into one of these, which waited for it to arrive, is merged now.
    waiting: dict[str, set[str]] = {}
    for key, value in conn.execute(
        "SELECT register_key, value FROM registers"
        " WHERE register_key LIKE 'learner/%/merged_into' AND value IS NOT NULL"
    ):
        target = json.loads(value)
        if isinstance(target, str):
            waiting.setdefault(target, set()).add(str(key).split("/")[1])
    for learner_id in list(pending):
        pending |= waiting.get(learner_id, set())
    for learner_id in sorted(pending):
        values = _learner_registers(conn, learner_id)
        name = values.get("display_name")
        exists = conn.execute(
            "SELECT 1 FROM learners WHERE learner_id = ?", (learner_id,)
        ).fetchone()
        hlc = int(
            conn.execute(
                "SELECT coalesce(max(hlc), 0) FROM registers WHERE register_key LIKE ?",
                (f"learner/{learner_id}/%",),
            ).fetchone()[0]
        )
        if not exists:
            if not isinstance(name, str) or not name:
                continue
            conn.execute(
                "INSERT INTO learners (learner_id, display_name, home_hub, updated_hlc)"
                " VALUES (?, ?, ?, ?)",
                (learner_id, name, str(values.get("home_hub") or ""), hlc),
            )
            arrived += 1
        if isinstance(name, str) and name:
            conn.execute(
                "UPDATE learners SET display_name = ? WHERE learner_id = ?", (name, learner_id)
            )
        language = values.get("language")
        conn.execute(
            "UPDATE learners SET language = ?, updated_hlc = max(updated_hlc, ?)"
            " WHERE learner_id = ?",
            (language if isinstance(language, str) else None, hlc, learner_id),
        )
        if isinstance(values.get("active"), bool):
            conn.execute(
                "UPDATE learners SET active = ? WHERE learner_id = ?",
                (int(bool(values["active"])), learner_id),
            )
        home = values.get("home_hub")
        if isinstance(home, str) and home:
            conn.execute(
                "UPDATE learners SET home_hub = ? WHERE learner_id = ?", (home, learner_id)
            )
    # Merges last, once every learner of this batch exists.
    for learner_id in sorted(pending):
        _project_merge(conn, learner_id)
        _project_memberships(conn, learner_id)
    return arrived


def _project_merge(conn: sqlite3.Connection, learner_id: str) -> None:
    """Follow the learner's `merged_into` register once the record it names is here, and
    derive again the progress of every record the change touches."""
    row = conn.execute(
        "SELECT value FROM registers WHERE register_key = ?", (f"learner/{learner_id}/merged_into",)
    ).fetchone()
    into = None if row is None or row[0] is None else json.loads(row[0])
    if into is not None and (
        not isinstance(into, str)
        or not conn.execute("SELECT 1 FROM learners WHERE learner_id = ?", (into,)).fetchone()
    ):
        return
    before = conn.execute(
        "SELECT merged_into FROM learners WHERE learner_id = ?", (learner_id,)
    ).fetchone()
    if before is None or before[0] == into:
        return
    old_root = canonical_learner(conn, learner_id)
    conn.execute("UPDATE learners SET merged_into = ? WHERE learner_id = ?", (into, learner_id))
    rebuild_progress(conn, [learner_id, old_root])


def rebuild_progress(conn: sqlite3.Connection, learner_ids: list[str]) -> None:
    """Derive again the progress of these learners and every record merged with them, from
    the events the hub holds (after a merge, or a merge undone, changed whose it is)."""
    family = set(learner_ids)
    merged = conn.execute(
        "SELECT learner_id FROM learners WHERE merged_into IS NOT NULL"
    ).fetchall()
    roots = {canonical_learner(conn, learner) for learner in family}
    family |= {str(r[0]) for r in merged if canonical_learner(conn, str(r[0])) in roots}
    family |= roots
    for learner in sorted(family):
        conn.execute("DELETE FROM lesson_progress WHERE learner_id = ?", (learner,))
    for learner in sorted(family):
        events = conn.execute(
            "SELECT event_id, learner_id, course_id, lesson_id, event_type, payload, hlc"
            " FROM progress_events WHERE learner_id = ?",
            (learner,),
        ).fetchall()
        for e in events:
            derive_event(conn, str(e[0]), str(e[1]), e[2], e[3], str(e[4]), str(e[5]), int(e[6]))


def _learner_registers(conn: sqlite3.Connection, learner_id: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for field in _LEARNER_FIELDS:
        row = conn.execute(
            "SELECT value FROM registers WHERE register_key = ?",
            (f"learner/{learner_id}/{field}",),
        ).fetchone()
        if row is not None:
            values[field] = None if row[0] is None else json.loads(row[0])
    return values


def _project_memberships(conn: sqlite3.Connection, learner_id: str) -> None:
    rows = conn.execute(
        "SELECT register_key, value FROM registers WHERE register_key LIKE 'member/%/' || ?",
        (learner_id,),
    ).fetchall()
    for key, value in rows:
        group_id = str(key).split("/")[1]
        if not conn.execute(
            "SELECT 1 FROM learner_groups WHERE group_id = ?", (group_id,)
        ).fetchone():
            continue
        if value is None:
            conn.execute(
                "DELETE FROM group_members WHERE group_id = ? AND learner_id = ?",
                (group_id, learner_id),
            )
        else:
            conn.execute(
                "INSERT INTO group_members (group_id, learner_id) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                (group_id, learner_id),
            )
