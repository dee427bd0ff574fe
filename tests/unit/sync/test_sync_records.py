"""Records from bundles are untrusted: every malformed one is refused with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hubd.sync.messages import ProgressHeader, parse_progress, parse_reply
from hubd.sync.model import (
    Dot,
    Event,
    InvalidRecord,
    RegisterChange,
    entry_record,
    parse_entry,
)

HUB, OTHER = "ab" * 16, "cd" * 16
EVENT = Event(
    Dot(HUB, 1, 7),
    "0b7c6a4e-6f1d-4c53-a0a4-2c7d3f6e9a01",
    123,
    "learner-1",
    "quiz_scored",
    "fracciones",
    "quiz-1",
    json.dumps({"max": 5, "score": 4}, separators=(",", ":")),
)
CHANGE = RegisterChange(Dot(HUB, 1, 8), "learner/learner-1/display_name", '"Amina"', 124)


def test_entries_survive_the_trip_through_a_record() -> None:
    for entry in (EVENT, CHANGE, RegisterChange(Dot(HUB, 2, 1), "assignment/x1", None, 5)):
        assert parse_entry(json.loads(json.dumps(entry_record(entry)))) == entry


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 0},
        {"seq": True},
        {"epoch": -1},
        {"origin": "../etc"},
        {"hlc": 2**64},
        {"event": "hacked"},
        {"payload": {"score": 9, "max": 5}},
        {"payload": []},
        {"learner": ""},
        {"extra": 1},
        {"type": "virus"},
    ],
)
def test_a_malformed_event_record_is_refused(change: dict[str, Any]) -> None:
    record = entry_record(EVENT) | change
    with pytest.raises(InvalidRecord):
        parse_entry(record)


@pytest.mark.parametrize(
    "change",
    [{"key": "learner/../../x"}, {"key": "x" * 300}, {"value": "{not json"}, {"value": 5}],
)
def test_a_malformed_register_record_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidRecord):
        parse_entry(entry_record(CHANGE) | change)


def test_a_progress_bundle_carries_only_its_own_hubs_log() -> None:
    header = ProgressHeader(HUB, 1, 99, 0, 8, "0.1.0").record()
    parsed = parse_progress([header, entry_record(EVENT), entry_record(CHANGE)])
    assert parsed.header.hub_id == HUB and len(parsed.entries) == 2
    foreign = entry_record(EVENT) | {"origin": OTHER}
    with pytest.raises(InvalidRecord):
        parse_progress([header, foreign])
    with pytest.raises(InvalidRecord):
        parse_progress([entry_record(EVENT)])


def test_a_reply_starts_with_the_time_and_acks_only_the_recipients_log() -> None:
    time = {"type": "time", "hlc": 5000}
    ack = {"type": "ack", "origin": HUB, "epoch": 1, "seq": 8}
    reply = parse_reply([time, ack, entry_record(EVENT)], HUB)
    assert reply.time_hlc == 5000 and reply.acks == {(HUB, 1): 8} and reply.entries == [EVENT]
    with pytest.raises(InvalidRecord):
        parse_reply([time, ack], OTHER)
    with pytest.raises(InvalidRecord):
        parse_reply([ack], HUB)
