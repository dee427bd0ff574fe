"""Progress events: the facts about learning that travel between hubs and central.

Validation here is pure: the web layer feeds it what a browser sent, the bundle importer what a
stick carried. An event is never edited; its id makes importing it twice a no-op.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from hubd.errors import BadRequest

MAX_PAYLOAD_BYTES = 2048
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_ATTEMPT_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_QUESTION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def _int(payload: dict[str, Any], key: str, low: int, high: int) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"'{key}' must be a whole number from {low} to {high}.")
    return value


def _number(payload: dict[str, Any], key: str, low: float, high: float) -> float:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadRequest(f"'{key}' must be a number from {low} to {high}.")
    return float(value)


def _check_keys(payload: dict[str, Any], allowed: set[str]) -> None:
    extra = set(payload) - allowed
    if extra:
        raise BadRequest(f"Unexpected field(s) in the event: {', '.join(sorted(extra))}.")


def _lesson_only(payload: dict[str, Any]) -> None:
    _check_keys(payload, set())


def _time_spent(payload: dict[str, Any]) -> None:
    _check_keys(payload, {"seconds"})
    _int(payload, "seconds", 1, 3600)


def _media_position(payload: dict[str, Any]) -> None:
    _check_keys(payload, {"seconds"})
    _number(payload, "seconds", 0, 86_400)


def _answer(payload: dict[str, Any]) -> None:
    _check_keys(payload, {"question_id", "choice", "correct", "assessment", "attempt"})
    _attempt(payload)
    question = payload.get("question_id")
    if not isinstance(question, str) or not _QUESTION_RE.match(question):
        raise BadRequest("'question_id' must name a question of the quiz.")
    _int(payload, "choice", 0, 7)
    if not isinstance(payload.get("correct"), bool):
        raise BadRequest("'correct' must be true or false.")
    _assessment(payload)


def _quiz_scored(payload: dict[str, Any]) -> None:
    _check_keys(payload, {"score", "max", "assessment", "attempt"})
    _attempt(payload)
    top = _int(payload, "max", 1, 100)
    _int(payload, "score", 0, top)
    _assessment(payload)


def _attempt(payload: dict[str, Any]) -> None:
    attempt = payload.get("attempt")
    if attempt is not None and (not isinstance(attempt, str) or not _ATTEMPT_RE.match(attempt)):
        raise BadRequest("'attempt' must name a quiz attempt.")


def _assessment(payload: dict[str, Any]) -> None:
    if payload.get("assessment", "practice") not in ("pre", "post", "practice"):
        raise BadRequest("'assessment' must be pre, post or practice.")


_VALIDATORS = {
    "lesson_started": _lesson_only,
    "lesson_completed": _lesson_only,
    "time_spent": _time_spent,
    "media_position": _media_position,
    "answer": _answer,
    "quiz_scored": _quiz_scored,
}
EVENT_TYPES = frozenset(_VALIDATORS)


def check_payload(event_type: str, payload: dict[str, Any]) -> None:
    """Validate an event's payload for its type (events from a browser or from a bundle)."""
    validator = _VALIDATORS.get(event_type)
    if validator is None:
        raise BadRequest(f"Unknown event type {event_type!r}.")
    validator(payload)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event as a learner's browser made it, before the hub gives it a sequence and time."""

    event_id: str
    learner_id: str
    event_type: str
    course_id: str
    lesson_id: str
    payload_json: str


def parse_new_event(raw: object, *, learner_id: str) -> NewEvent:
    """Validate one event from a browser; raise BadRequest naming what is wrong."""
    if not isinstance(raw, dict):
        raise BadRequest("Each event must be a JSON object.")
    allowed = {"id", "type", "course_id", "lesson_id", "payload", "learner_id"}
    extra = set(raw) - allowed
    if extra:
        raise BadRequest(f"Unexpected field(s) in an event: {', '.join(sorted(extra))}.")
    event_id = raw.get("id")
    try:
        parsed = uuid.UUID(str(event_id))
    except ValueError:
        raise BadRequest("Each event needs an 'id' that is a UUID.") from None
    if not isinstance(event_id, str) or str(parsed) != event_id.lower():
        raise BadRequest("Each event needs an 'id' that is a UUID.")
    if raw.get("learner_id", learner_id) != learner_id:
        raise BadRequest("An event can only be recorded for the learner who is signed in.")
    event_type = raw.get("type")
    if event_type not in _VALIDATORS:
        raise BadRequest(
            f"Unknown event type {event_type!r}; known: {', '.join(sorted(EVENT_TYPES))}."
        )
    course_id, lesson_id = raw.get("course_id"), raw.get("lesson_id")
    if not isinstance(course_id, str) or not _ID_RE.match(course_id):
        raise BadRequest("'course_id' must name a course.")
    if not isinstance(lesson_id, str) or not _ID_RE.match(lesson_id):
        raise BadRequest("'lesson_id' must name a lesson.")
    payload = raw.get("payload", {})
    if not isinstance(payload, dict):
        raise BadRequest("'payload' must be a JSON object.")
    _VALIDATORS[str(event_type)](payload)
    payload_json = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if len(payload_json.encode()) > MAX_PAYLOAD_BYTES:
        raise BadRequest(f"An event's payload is limited to {MAX_PAYLOAD_BYTES} bytes.")
    return NewEvent(
        event_id=str(parsed),
        learner_id=learner_id,
        event_type=str(event_type),
        course_id=course_id,
        lesson_id=lesson_id,
        payload_json=payload_json,
    )
