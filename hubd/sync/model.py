"""What travels in the learner-data log: progress events and register changes.

Both are entries of one origin hub's log, numbered by the hub's sequence within an epoch (the
hub's events and edits share that sequence), so a *dot* (origin hub, epoch, seq) names exactly
one entry anywhere. Records on the wire are plain JSON objects; :func:`parse_entry` checks
everything a hostile or damaged bundle could get wrong before anything is applied.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from hubd.errors import BadRequest
from hubd.sync.events import EVENT_TYPES, MAX_PAYLOAD_BYTES, check_payload

MAX_SEQ = (1 << 62) - 1
MAX_EPOCH = (1 << 31) - 1
MAX_HLC = (1 << 63) - 1
MAX_KEY_LENGTH = 200
MAX_VALUE_BYTES = 4096
_HUB_RE = re.compile(r"^[0-9a-f]{8,64}$")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_KEY_RE = re.compile(r"^[a-z_]+(/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}){1,3}$")


class InvalidRecord(ValueError):
    """A record in a bundle that is not a well-formed entry (the bundle is refused whole)."""


@dataclass(frozen=True, slots=True, order=True)
class Dot:
    """Where an entry sits in its origin's log."""

    origin_hub: str
    epoch: int
    seq: int

    @property
    def stream(self) -> tuple[str, int]:
        """The (origin hub, epoch) log this entry belongs to."""
        return (self.origin_hub, self.epoch)


@dataclass(frozen=True, slots=True)
class Event:
    """A fact about learning, never edited; `event_id` makes importing it twice a no-op."""

    dot: Dot
    event_id: str
    hlc: int
    learner_id: str
    event_type: str
    course_id: str | None
    lesson_id: str | None
    payload_json: str

    @property
    def learner(self) -> str:
        return self.learner_id


@dataclass(frozen=True, slots=True)
class RegisterChange:
    """One edit of a last-writer-wins register; `value_json` None is a tombstone."""

    dot: Dot
    key: str
    value_json: str | None
    hlc: int

    @property
    def learner(self) -> str | None:
        return learner_of_key(self.key)


Entry = Event | RegisterChange


def learner_of_key(key: str) -> str | None:
    """The learner a register is about (so it follows the learner), or None (hub-local)."""
    parts = key.split("/")
    if parts[0] == "learner" and len(parts) >= 3:
        return parts[1]
    if parts[0] == "member" and len(parts) == 3:
        return parts[2]
    return None


def learner_of(entry: Entry) -> str | None:
    """The learner an entry is about, if any."""
    return entry.learner_id if isinstance(entry, Event) else learner_of_key(entry.key)


# Records on the wire ------------------------------------------------------------------------


def entry_record(entry: Entry) -> dict[str, Any]:
    """The JSON object that carries an entry in a bundle."""
    d = entry.dot
    if isinstance(entry, Event):
        return {
            "type": "event",
            "origin": d.origin_hub,
            "epoch": d.epoch,
            "seq": d.seq,
            "hlc": entry.hlc,
            "id": entry.event_id,
            "learner": entry.learner_id,
            "event": entry.event_type,
            "course": entry.course_id,
            "lesson": entry.lesson_id,
            "payload": json.loads(entry.payload_json),
        }
    return {
        "type": "register",
        "origin": d.origin_hub,
        "epoch": d.epoch,
        "seq": d.seq,
        "hlc": entry.hlc,
        "key": entry.key,
        "value": entry.value_json,
    }


def encode_record(record: dict[str, Any]) -> bytes:
    """One record as the bytes of an ndjson line (what the bundle writer writes)."""
    return json.dumps(
        record, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    ).encode("utf-8")


def _int(record: dict[str, Any], key: str, low: int, high: int) -> int:
    value = record.get(key)
    if type(value) is not int or not low <= value <= high:
        raise InvalidRecord(f"'{key}' must be a whole number from {low} to {high}")
    return value


def _text(record: dict[str, Any], key: str, pattern: re.Pattern[str]) -> str:
    value = record.get(key)
    if type(value) is not str or not pattern.match(value):
        raise InvalidRecord(f"'{key}' is missing or malformed")
    return value


def _optional_id(record: dict[str, Any], key: str) -> str | None:
    return None if record.get(key) is None else _text(record, key, _ID_RE)


def parse_dot(record: dict[str, Any]) -> Dot:
    """The dot of a record (origin, epoch, seq), checked."""
    return Dot(
        _text(record, "origin", _HUB_RE),
        _int(record, "epoch", 1, MAX_EPOCH),
        _int(record, "seq", 1, MAX_SEQ),
    )


_EVENT_KEYS = frozenset(
    {
        "type",
        "origin",
        "epoch",
        "seq",
        "hlc",
        "id",
        "learner",
        "event",
        "course",
        "lesson",
        "payload",
    }
)
_REGISTER_KEYS = frozenset({"type", "origin", "epoch", "seq", "hlc", "key", "value"})


def parse_entry(record: dict[str, Any]) -> Entry:
    """Turn a record of type 'event' or 'register' into an entry, or raise InvalidRecord."""
    kind = record.get("type")
    if kind == "event":
        if set(record) != _EVENT_KEYS:
            raise InvalidRecord("an event record has missing or unexpected fields")
        event_type = record.get("event")
        if event_type not in EVENT_TYPES:
            raise InvalidRecord("an event record has an unknown event type")
        payload = record.get("payload")
        if type(payload) is not dict:
            raise InvalidRecord("an event's payload must be an object")
        try:
            check_payload(str(event_type), payload)
        except BadRequest as exc:
            raise InvalidRecord(f"an event's payload is invalid: {exc}") from None
        payload_json = json.dumps(
            payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False
        )
        if len(payload_json.encode()) > MAX_PAYLOAD_BYTES:
            raise InvalidRecord("an event's payload is too large")
        return Event(
            dot=parse_dot(record),
            event_id=_text(record, "id", _ID_RE),
            hlc=_int(record, "hlc", 0, MAX_HLC),
            learner_id=_text(record, "learner", _ID_RE),
            event_type=str(event_type),
            course_id=_optional_id(record, "course"),
            lesson_id=_optional_id(record, "lesson"),
            payload_json=payload_json,
        )
    if kind == "register":
        if set(record) != _REGISTER_KEYS:
            raise InvalidRecord("a register record has missing or unexpected fields")
        key = record.get("key")
        if type(key) is not str or len(key) > MAX_KEY_LENGTH or not _KEY_RE.match(key):
            raise InvalidRecord("a register record has a malformed key")
        value = record.get("value")
        if value is not None:
            if type(value) is not str or len(value.encode()) > MAX_VALUE_BYTES:
                raise InvalidRecord("a register's value must be JSON text of limited size")
            try:
                json.loads(value)
            except ValueError:
                raise InvalidRecord("a register's value is not JSON") from None
        return RegisterChange(
            dot=parse_dot(record),
            key=key,
            value_json=value,
            hlc=_int(record, "hlc", 0, MAX_HLC),
        )
    raise InvalidRecord(f"unknown record type {kind!r}")
