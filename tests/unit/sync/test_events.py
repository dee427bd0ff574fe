"""Progress events from a browser: what is accepted and how refusals read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from hubd.errors import BadRequest
from hubd.sync.events import parse_new_event

LEARNER = "3f1c7d2e-0000-4000-8000-000000000001"


def event(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "type": "quiz_scored",
        "course_id": "fracciones",
        "lesson_id": "post",
        "payload": {"score": 4, "max": 5, "assessment": "post"},
    }
    raw.update(changes)
    return raw


def test_valid_event_is_normalised() -> None:
    raw = event()
    parsed = parse_new_event(raw, learner_id=LEARNER)
    assert parsed.event_id == raw["id"]
    assert parsed.learner_id == LEARNER
    assert parsed.payload_json == '{"assessment":"post","max":5,"score":4}'


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "not-a-uuid"}, "UUID"),
        ({"id": 12}, "UUID"),
        ({"type": "hacked"}, "Unknown event type"),
        ({"learner_id": "someone-else"}, "only be recorded for the learner who is signed in"),
        ({"course_id": "../etc"}, "course_id"),
        ({"payload": {"score": 6, "max": 5}}, "'score' must be a whole number from 0 to 5"),
        ({"payload": {"score": True, "max": 5}}, "'score' must be a whole number"),
        ({"payload": {"score": 1.0, "max": 5}}, "'score' must be a whole number"),
        ({"payload": {"score": 1, "max": 5, "assessment": "mid"}}, "pre, post or practice"),
        ({"payload": {"score": 1, "max": 5, "x": 1}}, "Unexpected field"),
        ({"payload": []}, "must be a JSON object"),
        ({"extra": 1}, "Unexpected field"),
        ({"type": "time_spent", "payload": {"seconds": 0}}, "'seconds'"),
        ({"type": "time_spent", "payload": {"seconds": 99999}}, "'seconds'"),
    ],
)
def test_bad_events_are_refused_with_a_reason(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_new_event(event(**changes), learner_id=LEARNER)
    assert message in caught.value.message


def test_non_object_is_refused() -> None:
    with pytest.raises(BadRequest, match="JSON object"):
        parse_new_event(["x"], learner_id=LEARNER)
