"""The records around the entries: a progress bundle's header, and a reply's acks and time.

A `progress` bundle (hub to central) is one `hub` record, then entries of the hub's own log,
oldest first. A `reply` bundle (central to one hub) is one `time` record, `ack` records for the
hub's own log, then entries of learners who arrived from elsewhere. See docs/sync.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hubd.sync.model import (
    MAX_EPOCH,
    MAX_HLC,
    MAX_SEQ,
    Dot,
    Entry,
    InvalidRecord,
    parse_dot,
    parse_entry,
)

_HUB_RE = re.compile(r"^[0-9a-f]{8,64}$")
_VERSION_RE = re.compile(r"^[A-Za-z0-9.+-]{1,40}$")


@dataclass(frozen=True, slots=True)
class ProgressHeader:
    """Who sent a progress bundle and what it has taken in so far.

    `epoch` is the hub's current epoch. `reply_applied` is the highest reply sequence the hub
    has applied: every reply is planned from acknowledged state, so applying reply N means the
    hub holds everything reply N carried. `last_seq` is the last sequence the hub has issued in
    its epoch, so central can show how much is still to come.
    """

    hub_id: str
    epoch: int
    hlc: int
    reply_applied: int
    last_seq: int
    software: str

    def record(self) -> dict[str, Any]:
        return {
            "type": "hub",
            "hub": self.hub_id,
            "epoch": self.epoch,
            "hlc": self.hlc,
            "reply_applied": self.reply_applied,
            "last_seq": self.last_seq,
            "software": self.software,
        }


def parse_header(record: dict[str, Any]) -> ProgressHeader:
    if record.get("type") != "hub" or set(record) != {
        "type",
        "hub",
        "epoch",
        "hlc",
        "reply_applied",
        "last_seq",
        "software",
    }:
        raise InvalidRecord("a progress bundle must start with its hub record")
    hub, software = record["hub"], record["software"]
    if type(hub) is not str or not _HUB_RE.match(hub):
        raise InvalidRecord("the hub record names no hub")
    if type(software) is not str or not _VERSION_RE.match(software):
        raise InvalidRecord("the hub record's software version is malformed")
    values = [record[k] for k in ("epoch", "hlc", "reply_applied", "last_seq")]
    bounds = [(1, MAX_EPOCH), (0, MAX_HLC), (0, MAX_SEQ), (0, MAX_SEQ)]
    for value, (low, high) in zip(values, bounds, strict=True):
        if type(value) is not int or not low <= value <= high:
            raise InvalidRecord("the hub record holds a number out of range")
    return ProgressHeader(hub, values[0], values[1], values[2], values[3], software)


@dataclass(frozen=True, slots=True)
class ProgressBundle:
    header: ProgressHeader
    entries: list[Entry]


def parse_progress(records: Iterable[dict[str, Any]]) -> ProgressBundle:
    """A progress bundle's records: the header, then only the sending hub's own entries."""
    it = iter(records)
    first = next(it, None)
    if first is None:
        raise InvalidRecord("the progress bundle is empty")
    header = parse_header(first)
    entries = []
    for record in it:
        entry = parse_entry(record)
        if entry.dot.origin_hub != header.hub_id:
            raise InvalidRecord("a progress bundle carries only its own hub's entries")
        entries.append(entry)
    return ProgressBundle(header, entries)


@dataclass(frozen=True, slots=True)
class Reply:
    """What a hub takes from a reply: the signed time, acks of its own log, entries."""

    time_hlc: int
    acks: dict[tuple[str, int], int] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)


def time_record(hlc: int) -> dict[str, Any]:
    return {"type": "time", "hlc": hlc}


def ack_record(dot: Dot) -> dict[str, Any]:
    return {"type": "ack", "origin": dot.origin_hub, "epoch": dot.epoch, "seq": dot.seq}


def parse_reply(records: Iterable[dict[str, Any]], hub_id: str) -> Reply:
    """A reply's records, checked: one time record first, acks only for `hub_id`'s log."""
    it: Iterator[dict[str, Any]] = iter(records)
    first = next(it, None)
    if first is None or first.get("type") != "time" or set(first) != {"type", "hlc"}:
        raise InvalidRecord("a reply must start with central's signed time")
    time_hlc = first["hlc"]
    if type(time_hlc) is not int or not 0 <= time_hlc <= MAX_HLC:
        raise InvalidRecord("the reply's time is out of range")
    reply = Reply(time_hlc)
    for record in it:
        if record.get("type") == "ack":
            if set(record) != {"type", "origin", "epoch", "seq"}:
                raise InvalidRecord("an ack record has missing or unexpected fields")
            dot = parse_dot(record)
            if dot.origin_hub != hub_id:
                raise InvalidRecord("a reply acknowledges another hub's log")
            reply.acks[dot.stream] = max(reply.acks.get(dot.stream, 0), dot.seq)
        else:
            reply.entries.append(parse_entry(record))
    return reply
