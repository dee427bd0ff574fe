"""An in-memory fleet (hubs and central) built only from the pure rules of hubd.sync.

The hub's SQLite code and central's SQL do the same as these few dictionaries; here the rules
can be driven through thousands of sticks in seconds. Bundles are lists of encoded ndjson
lines, so byte budgets and record parsing are the real ones.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hubd.bundle import check_sequence
from hubd.sync.derive import LessonKey, LessonProgress, fold
from hubd.sync.hlc import HybridClock
from hubd.sync.messages import (
    ProgressHeader,
    ack_record,
    parse_progress,
    parse_reply,
    time_record,
)
from hubd.sync.model import (
    Dot,
    Entry,
    Event,
    RegisterChange,
    encode_record,
    entry_record,
    learner_of,
)
from hubd.sync.plan import Budget, ExportProgress, forwardable, route_targets, take_prefix
from hubd.sync.rules import contiguous_max, is_acknowledged, merge_acks, register_wins

Register = tuple[int, str, str | None]  # hlc, origin hub, value


def _lines(records: list[dict[str, Any]]) -> list[bytes]:
    return [encode_record(r) for r in records]


def _records(lines: list[bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


@dataclass
class Bundle:
    kind: str  # progress | reply
    issuer: str
    recipient: str
    sequence: int
    lines: list[bytes]


@dataclass
class SimHub:
    hub_id: str
    wall: Callable[[], int]
    epoch: int = 1
    last_seq: int = 0
    clock: HybridClock = field(default_factory=HybridClock)
    events: dict[str, Event] = field(default_factory=dict)
    changes: dict[Dot, RegisterChange] = field(default_factory=dict)
    held: set[Dot] = field(default_factory=set)
    registers: dict[str, Register] = field(default_factory=dict)
    progress: dict[LessonKey, LessonProgress] = field(default_factory=dict)
    acks: dict[tuple[str, int], int] = field(default_factory=dict)
    pruned_upto: dict[tuple[str, int], int] = field(default_factory=dict)
    reply_last: int | None = None
    progress_seq: int = 0
    learners: set[str] = field(default_factory=set)
    issued_hlcs: list[int] = field(default_factory=list)

    # Writing here -----------------------------------------------------------------------

    def _next(self) -> tuple[Dot, int]:
        self.last_seq += 1
        hlc = self.clock.now(self.wall())
        self.issued_hlcs.append(hlc)
        return Dot(self.hub_id, self.epoch, self.last_seq), hlc

    def record(self, learner_id: str, event_type: str, payload: dict[str, Any]) -> Event:
        dot, hlc = self._next()
        event = Event(
            dot,
            str(uuid.uuid4()),
            hlc,
            learner_id,
            event_type,
            "course",
            "lesson-1",
            json.dumps(payload, separators=(",", ":"), sort_keys=True),
        )
        self._take(event)
        return event

    def edit(self, key: str, value: object | None) -> RegisterChange:
        dot, hlc = self._next()
        text = None if value is None else json.dumps(value, sort_keys=True)
        change = RegisterChange(dot, key, text, hlc)
        self._take(change)
        return change

    def register_learner(self, name: str) -> str:
        learner_id = str(uuid.uuid4())
        self.edit(f"learner/{learner_id}/display_name", name)
        self.edit(f"learner/{learner_id}/home_hub", self.hub_id)
        return learner_id

    # Merging ----------------------------------------------------------------------------

    def _take(self, entry: Entry) -> bool:
        """Idempotent import of one entry; returns whether it was new."""
        dot = entry.dot
        if dot in self.held or is_acknowledged(dot, self.pruned_upto):
            return False
        if isinstance(entry, Event):
            if entry.event_id in self.events:
                return False
            self.events[entry.event_id] = entry
            key = (entry.learner_id, entry.course_id or "", entry.lesson_id or "")
            self.progress[key] = fold(self.progress.get(key), entry)
        else:
            self.changes[dot] = entry
            new = (entry.hlc, dot.origin_hub, entry.value_json)
            if register_wins(new, self.registers.get(entry.key)):
                self.registers[entry.key] = new
        self.held.add(dot)
        learner = learner_of(entry)
        if learner is not None:
            self.learners.add(learner)
        return True

    def own_entries(self) -> list[Entry]:
        own: list[Entry] = [e for e in self.events.values() if e.dot.origin_hub == self.hub_id]
        own += [c for c in self.changes.values() if c.dot.origin_hub == self.hub_id]
        return sorted(own, key=lambda e: (e.dot.epoch, e.dot.seq))

    def export(self, budget_bytes: int) -> Bundle:
        """A progress bundle: the hub record, then own entries above central's ack."""
        header = ProgressHeader(
            self.hub_id,
            self.epoch,
            self.clock.now(self.wall()),
            self.reply_last or 0,
            self.last_seq,
            "sim",
        )
        pending = [e for e in self.own_entries() if not is_acknowledged(e.dot, self.acks)]
        budget = Budget(budget_bytes, overhead=0)
        lines = [encode_record(header.record())]
        progress = ExportProgress()
        numbered = ((i, encode_record(entry_record(e))) for i, e in enumerate(pending, 1))
        lines += list(take_prefix(budget, numbered, progress))
        self.progress_seq += 1
        return Bundle("progress", self.hub_id, "central", self.progress_seq, lines)

    def apply_reply(self, bundle: Bundle) -> bool:
        """Apply a reply whole, or refuse it (replayed or older); returns whether applied."""
        assert bundle.recipient == self.hub_id
        try:
            check_sequence(self.reply_last, bundle.sequence)
        except Exception:
            return False
        reply = parse_reply(_records(bundle.lines), self.hub_id)
        self.reply_last = bundle.sequence
        self.acks = merge_acks(self.acks, reply.acks)
        for entry in reply.entries:
            self._take(entry)
            self.clock.observe(entry.hlc, self.wall())
        self.clock.observe(reply.time_hlc, self.wall())
        return True

    def prune(self) -> int:
        """Forget own entries central has acknowledged (derived progress stays)."""
        gone = {
            d for d in self.held if d.origin_hub == self.hub_id and is_acknowledged(d, self.acks)
        }
        for dot in gone:
            self.held.discard(dot)
            self.changes.pop(dot, None)
            self.pruned_upto[dot.stream] = max(self.pruned_upto.get(dot.stream, 0), dot.seq)
        for event_id in [k for k, e in self.events.items() if e.dot in gone]:
            del self.events[event_id]
        return len(gone)

    def snapshot(self) -> SimHub:
        """A backup of the hub's whole state (its database file)."""
        return copy.deepcopy(self)

    def restore(self, backup: SimHub, new_epoch: int) -> None:
        """Come back from a backup: its state, a new epoch, and a clock that never goes back."""
        floor = self.clock.last
        wall = self.wall
        self.__dict__.update(copy.deepcopy(backup).__dict__)
        self.wall = wall
        self.epoch = new_epoch
        self.last_seq = 0
        self.progress_seq = 0
        self.clock.last = max(self.clock.last, floor)


@dataclass
class Route:
    route_id: int
    acked: int = 0


@dataclass
class SentReply:
    sequence: int
    upto: int
    routes_before: int


@dataclass
class SimCentral:
    wall: Callable[[], int]
    clock: HybridClock = field(default_factory=HybridClock)
    entries: dict[Dot, tuple[int, Entry]] = field(default_factory=dict)
    event_ids: set[str] = field(default_factory=set)
    duplicates: set[Dot] = field(default_factory=set)
    by_learner: dict[str, list[tuple[int, Entry]]] = field(default_factory=dict)
    vector: dict[tuple[str, int], int] = field(default_factory=dict)
    registers: dict[str, Register] = field(default_factory=dict)
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    progress_last: dict[tuple[str, int], int] = field(default_factory=dict)
    reply_seq: dict[str, int] = field(default_factory=dict)
    hub_epoch: dict[str, int] = field(default_factory=dict)
    replies: dict[str, list[SentReply]] = field(default_factory=dict)
    cseq: int = 0
    route_ids: int = 0

    def ingest(self, bundle: Bundle) -> bool:
        assert bundle.kind == "progress"
        progress = parse_progress(_records(bundle.lines))
        hub, epoch = progress.header.hub_id, progress.header.epoch
        assert hub == bundle.issuer
        # Bundles are numbered per epoch: a hub restored from a backup numbers afresh.
        try:
            check_sequence(self.progress_last.get((hub, epoch)), bundle.sequence)
        except Exception:
            return False
        self.progress_last[(hub, epoch)] = bundle.sequence
        known = self.hub_epoch.get(hub)
        if known is not None and epoch > known:
            # Restored from a backup: it may lack anything, so its learners go again in full.
            for (target, _learner), route in self.routes.items():
                if target == hub:
                    route.acked = 0
            self.replies[hub] = []
        self.hub_epoch[hub] = max(epoch, known or 0)
        self.clock.observe(progress.header.hlc, self.wall())
        touched: dict[tuple[str, int], list[int]] = {}
        for entry in progress.entries:
            if entry.dot in self.entries or entry.dot in self.duplicates:
                continue
            if isinstance(entry, Event) and entry.event_id in self.event_ids:
                # The same event sent to two hubs: the dot counts as held, the event once.
                self.duplicates.add(entry.dot)
                touched.setdefault(entry.dot.stream, []).append(entry.dot.seq)
                continue
            self.cseq += 1
            self.entries[entry.dot] = (self.cseq, entry)
            touched.setdefault(entry.dot.stream, []).append(entry.dot.seq)
            self.clock.observe(entry.hlc, self.wall())
            learner = learner_of(entry)
            if isinstance(entry, Event):
                self.event_ids.add(entry.event_id)
            else:
                new = (entry.hlc, entry.dot.origin_hub, entry.value_json)
                if register_wins(new, self.registers.get(entry.key)):
                    self.registers[entry.key] = new
            if learner is not None:
                self.by_learner.setdefault(learner, []).append((self.cseq, entry))
                for target in route_targets(entry):
                    if (target, learner) not in self.routes:
                        self.route_ids += 1
                        self.routes[(target, learner)] = Route(self.route_ids)
        for stream, seqs in touched.items():
            held = [d.seq for d in self.entries if d.stream == stream]
            held += [d.seq for d in self.duplicates if d.stream == stream]
            self.vector[stream] = contiguous_max(self.vector.get(stream, 0), [*seqs, *held])
        self._replies_applied(hub, progress.header.reply_applied)
        return True

    def _replies_applied(self, hub: str, applied: int) -> None:
        # Only the reply the hub names is credited: an older one may have carried more (a
        # bigger stick) and been lost, so it says nothing about what the hub holds.
        for sent in self.replies.get(hub, []):
            if sent.sequence == applied:
                for (target, _learner), route in self.routes.items():
                    if target == hub and route.route_id <= sent.routes_before:
                        route.acked = max(route.acked, sent.upto)
        self.replies[hub] = [s for s in self.replies.get(hub, []) if s.sequence > applied]

    def reply(self, hub: str, budget_bytes: int) -> Bundle:
        sequence = self.reply_seq[hub] = self.reply_seq.get(hub, 0) + 1
        epoch = self.hub_epoch.get(hub, 1)
        records = [time_record(self.clock.now(self.wall()))]
        records += [
            ack_record(Dot(origin, ep, seq))
            for (origin, ep), seq in sorted(self.vector.items())
            if origin == hub
        ]
        pending: list[tuple[int, Entry]] = []
        for (target, learner), route in self.routes.items():
            if target != hub:
                continue
            pending += [
                (c, e)
                for c, e in self.by_learner.get(learner, [])
                if c > route.acked and forwardable(e, hub, epoch)
            ]
        pending.sort(key=lambda ce: ce[0])
        budget = Budget(budget_bytes, overhead=0)
        progress = ExportProgress()
        lines = _lines(records)
        numbered = ((c, encode_record(entry_record(e))) for c, e in pending)
        lines += list(take_prefix(budget, numbered, progress))
        upto = progress.last_position if budget.truncated else self.cseq
        self.replies.setdefault(hub, []).append(SentReply(sequence, upto, self.route_ids))
        return Bundle("reply", "central", hub, sequence, lines)

    def learner_events(self, learner: str) -> list[Event]:
        return [e for _, e in self.by_learner.get(learner, []) if isinstance(e, Event)]
