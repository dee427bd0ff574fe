"""Merging a hub's progress bundle into central's database, with the rules of hubd.sync.

Idempotent: an entry already held (same dot, or same event id) is skipped, so a bundle read
from two sticks, or a stick read twice, changes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from central import clock
from central.db import Tx
from hubd.bundle import check_sequence
from hubd.sync.messages import ProgressHeader, parse_header
from hubd.sync.model import (
    Entry,
    Event,
    InvalidRecord,
    RegisterChange,
    encode_record,
    entry_record,
    learner_of,
    parse_entry,
)
from hubd.sync.plan import merge_target, route_targets
from hubd.sync.rules import contiguous_max, register_wins

BATCH = 500
_LOGGER = logging.getLogger(__name__)
_ROW_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_ENTRIES = (
    "INSERT INTO entries (origin_hub, epoch, seq, hlc, learner_id, record, kind, event_id,"
    " event_type, course_id, lesson_id, register_key) VALUES {values}"
    " ON CONFLICT DO NOTHING RETURNING epoch, seq, kind"
)


@dataclass(frozen=True, slots=True)
class MergeReport:
    hub_id: str
    entries_new: int
    entries_known: int
    acked: dict[tuple[str, int], int]


def merge_progress(
    tx: Tx, hub_id: str, sequence: int, records: Iterable[dict[str, Any]], wall_ms: int
) -> MergeReport:
    """Apply one verified progress bundle inside `tx` (raises InvalidRecord or BundleError)."""
    it = iter(records)
    first = next(it, None)
    if first is None:
        raise InvalidRecord("the progress bundle is empty")
    header = parse_header(first)
    if header.hub_id != hub_id:
        raise InvalidRecord("the progress bundle's hub record names another hub")
    _accept_sequence(tx, header, sequence)
    _note_epoch(tx, header)
    new = known = 0
    held: set[tuple[str, int]] = set()
    newest = header.hlc
    for batch in _batches(_entries(it, hub_id)):
        added = _insert_batch(tx, batch)
        new += len(added)
        known += len(batch) - len(added)
        held.update(entry.dot.stream for entry in batch)
        for entry in added:
            newest = max(newest, entry.hlc)
    acked = {stream: _advance_vector(tx, stream) for stream in held}
    _credit_reply(tx, hub_id, header.reply_applied)
    clock.observe(tx, newest, wall_ms)
    tx.execute(
        "UPDATE hubs SET last_seen_ms = ?, last_seq = ?, software = ?, reply_applied = ?"
        " WHERE hub_id = ? AND epoch = ?",
        (wall_ms, header.last_seq, header.software, header.reply_applied, hub_id, header.epoch),
    )
    return MergeReport(hub_id, new, known, acked)


def _entries(records: Iterator[dict[str, Any]], hub_id: str) -> Iterator[Entry]:
    for record in records:
        entry = parse_entry(record)
        if entry.dot.origin_hub != hub_id:
            raise InvalidRecord("a progress bundle carries only its own hub's entries")
        yield entry


def _batches(entries: Iterator[Entry]) -> Iterator[list[Entry]]:
    while batch := list(islice(entries, BATCH)):
        yield batch


def _accept_sequence(tx: Tx, header: ProgressHeader, sequence: int) -> None:
    # Numbered per epoch: a hub restored from a backup numbers its bundles afresh.
    kind = f"progress/{header.epoch}"
    row = tx.one(
        "SELECT last_seq FROM bundle_sequences WHERE issuer = ? AND kind = ?",
        (header.hub_id, kind),
    )
    check_sequence(None if row is None else int(row[0]), sequence)
    tx.execute(
        "INSERT INTO bundle_sequences (issuer, kind, last_seq) VALUES (?, ?, ?)"
        " ON CONFLICT (issuer, kind) DO UPDATE SET last_seq = excluded.last_seq",
        (header.hub_id, kind, sequence),
    )


def _note_epoch(tx: Tx, header: ProgressHeader) -> None:
    row = tx.one("SELECT epoch FROM hubs WHERE hub_id = ?", (header.hub_id,))
    known = 0 if row is None else int(row[0])
    if header.epoch > known:
        if known:
            # Restored from a backup: it may lack anything, so its learners go again in full.
            tx.execute("UPDATE routes SET acked_cseq = 0 WHERE hub_id = ?", (header.hub_id,))
            tx.execute("DELETE FROM replies WHERE hub_id = ?", (header.hub_id,))
        tx.execute("UPDATE hubs SET epoch = ? WHERE hub_id = ?", (header.epoch, header.hub_id))


def _row(entry: Entry) -> tuple[Any, ...]:
    dot = entry.dot
    record = encode_record(entry_record(entry)).decode("utf-8")
    head = (dot.origin_hub, dot.epoch, dot.seq, entry.hlc, learner_of(entry), record)
    if isinstance(entry, Event):
        kind = ("event", entry.event_id, entry.event_type, entry.course_id, entry.lesson_id, None)
        return (*head, *kind)
    return (*head, "register", None, None, None, None, entry.key)


def _insert_batch(tx: Tx, batch: list[Entry]) -> list[Entry]:
    """Insert a batch in one statement; returns the entries that were new.

    A conflict on the dot or on the event id means the entry is held already."""
    ids = [e.event_id for e in batch if isinstance(e, Event)]
    seen = set()
    if ids:
        marks = ", ".join("?" * len(ids))
        seen = {
            str(r[0])
            for r in tx.execute(
                f"SELECT event_id FROM entries WHERE event_id IN ({marks})",  # noqa: S608
                ids,
            )
        }
    rows_in: list[tuple[Any, ...]] = []
    for entry in batch:
        row = _row(entry)
        if isinstance(entry, Event):
            if entry.event_id in seen:
                row = (*row[:6], "duplicate", *row[7:])
            seen.add(entry.event_id)
        rows_in.append(row)
    # Only placeholders are joined into the statement; every value is bound.
    sql = _INSERT_ENTRIES.format(values=", ".join([_ROW_PLACEHOLDERS] * len(batch)))
    rows = tx.execute(sql, [value for row in rows_in for value in row])
    inserted = {(int(r[0]), int(r[1])) for r in rows if r[2] != "duplicate"}
    held = {(int(r[0]), int(r[1])) for r in rows}
    added = [e for e in batch if (e.dot.epoch, e.dot.seq) in inserted]
    for entry in batch:
        if (entry.dot.epoch, entry.dot.seq) in held - inserted:
            _LOGGER.warning("An event already held arrived again as %s", entry.dot)
    routes: set[tuple[str, str]] = set()
    for entry in added:
        learner = learner_of(entry)
        if isinstance(entry, RegisterChange):
            _merge_register(tx, entry, learner)
        if learner is not None:
            routes.update((target, learner) for target in route_targets(entry))
    if routes:
        ordered = sorted(routes)
        tx.execute(
            "INSERT INTO routes (hub_id, learner_id) VALUES "  # noqa: S608
            + ", ".join(["(?, ?)"] * len(ordered))
            + " ON CONFLICT DO NOTHING",
            [value for pair in ordered for value in pair],
        )
    for entry in added:
        kept, merged = merge_target(entry), learner_of(entry)
        if kept is not None and merged is not None:
            _share_routes(tx, merged, kept)
    return added


def _share_routes(tx: Tx, merged: str, kept: str) -> None:
    """Two records of one child: every hub that receives one receives the other too."""
    for learner, other in ((kept, merged), (merged, kept)):
        tx.execute(
            "INSERT INTO routes (hub_id, learner_id) SELECT hub_id, ? FROM routes"
            " WHERE learner_id = ? ON CONFLICT DO NOTHING",
            (learner, other),
        )


def _merge_register(tx: Tx, change: RegisterChange, learner: str | None) -> None:
    row = tx.one(
        "SELECT hlc, origin_hub, value FROM registers WHERE register_key = ?", (change.key,)
    )
    old = None if row is None else (int(row[0]), str(row[1]), row[2])
    if register_wins((change.hlc, change.dot.origin_hub, change.value_json), old):
        tx.execute(
            "INSERT INTO registers (register_key, value, hlc, origin_hub, learner_id)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (register_key) DO UPDATE SET"
            " value = excluded.value, hlc = excluded.hlc, origin_hub = excluded.origin_hub",
            (change.key, change.value_json, change.hlc, change.dot.origin_hub, learner),
        )


def _advance_vector(tx: Tx, stream: tuple[str, int]) -> int:
    """Move the stream's entry in the version vector up to the highest seq with no gap."""
    origin, epoch = stream
    row = tx.one("SELECT max_seq FROM vectors WHERE origin_hub = ? AND epoch = ?", (origin, epoch))
    current = 0 if row is None else int(row[0])
    while True:
        above = [
            int(r[0])
            for r in tx.execute(
                "SELECT seq FROM entries WHERE origin_hub = ? AND epoch = ? AND seq > ?"
                " ORDER BY seq LIMIT ?",
                (origin, epoch, current, BATCH),
            )
        ]
        moved = contiguous_max(current, above)
        whole_batch = moved - current == len(above) == BATCH
        current = moved
        if not whole_batch:
            break
    tx.execute(
        "INSERT INTO vectors (origin_hub, epoch, max_seq) VALUES (?, ?, ?)"
        " ON CONFLICT (origin_hub, epoch) DO UPDATE SET max_seq = excluded.max_seq",
        (origin, epoch, current),
    )
    return current


def _credit_reply(tx: Tx, hub_id: str, applied: int) -> None:
    """The hub applied reply `applied`: it holds everything that reply was planned to carry.

    Only that reply is credited: an older one may have carried more (a bigger stick) and been
    lost on the way."""
    if applied <= 0:
        return
    row = tx.one(
        "SELECT upto_cseq, routes_before FROM replies WHERE hub_id = ? AND sequence = ?",
        (hub_id, applied),
    )
    if row is not None:
        upto, routes_before = int(row[0]), int(row[1])
        tx.execute(
            "UPDATE routes SET acked_cseq = ? WHERE hub_id = ? AND route_id <= ?"
            " AND acked_cseq < ?",
            (upto, hub_id, routes_before, upto),
        )
    tx.execute("DELETE FROM replies WHERE hub_id = ? AND sequence <= ?", (hub_id, applied))
