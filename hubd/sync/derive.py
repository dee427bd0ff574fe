"""Progress derived from events: the pure fold that the hub's SQL mirrors.

Every field is order-independent (min, max, sum over distinct events, or the value of the
event that is latest by (HLC, event id)), so a hub that receives a learner's events in any
order, from any number of sticks, shows the same progress as central.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from hubd.sync.model import Event

LessonKey = tuple[str, str, str]  # learner, course, lesson
Stamp = tuple[int, str]  # (hlc, event id): the order "latest" is decided by


@dataclass(frozen=True, slots=True)
class LessonProgress:
    first_hlc: int
    last_hlc: int
    completed_hlc: int | None = None
    seconds_spent: int = 0
    position_seconds: float | None = None
    position_stamp: Stamp | None = None
    last_score: int | None = None
    max_score: int | None = None
    score_stamp: Stamp | None = None


def fold(progress: LessonProgress | None, event: Event) -> LessonProgress:
    """Fold one event (never the same one twice) into a lesson's progress."""
    hlc = event.hlc
    if progress is None:
        progress = LessonProgress(first_hlc=hlc, last_hlc=hlc)
    else:
        progress = replace(
            progress,
            first_hlc=min(progress.first_hlc, hlc),
            last_hlc=max(progress.last_hlc, hlc),
        )
    payload = json.loads(event.payload_json)
    stamp = (hlc, event.event_id)
    kind = event.event_type
    if kind == "lesson_completed":
        done = progress.completed_hlc
        progress = replace(progress, completed_hlc=hlc if done is None else min(done, hlc))
    elif kind == "time_spent":
        progress = replace(progress, seconds_spent=progress.seconds_spent + int(payload["seconds"]))
    elif kind == "media_position":
        if progress.position_stamp is None or stamp > progress.position_stamp:
            progress = replace(
                progress, position_seconds=float(payload["seconds"]), position_stamp=stamp
            )
    elif kind == "quiz_scored" and (progress.score_stamp is None or stamp > progress.score_stamp):
        progress = replace(
            progress,
            last_score=int(payload["score"]),
            max_score=int(payload["max"]),
            score_stamp=stamp,
        )
    return progress


def derive(events: Iterable[Event]) -> dict[LessonKey, LessonProgress]:
    """Lesson progress of every (learner, course, lesson) from a set of distinct events."""
    result: dict[LessonKey, LessonProgress] = {}
    for event in events:
        if event.course_id is None or event.lesson_id is None:
            continue
        key = (event.learner_id, event.course_id, event.lesson_id)
        result[key] = fold(result.get(key), event)
    return result
