"""Quizzes, one question at a time. The answers stay on the hub until the learner submits.

The flow needs no JavaScript: each question is a form; the hub checks the answer, records it
as an event (the form's event id makes a resubmitted form count once), and shows the next
question. An attempt's progress is read back from its events, so a dropped connection or a
reload resumes at the right question.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from hubd.content.package import Question, parse_quiz
from hubd.errors import BadRequest, NotFound
from hubd.storage import learning, progress
from hubd.sync.events import NewEvent
from hubd.web import keys
from hubd.web.csrf import check_csrf, posted_form
from hubd.web.learn.catalogue import text_direction
from hubd.web.learn.course_files import from_course_file
from hubd.web.learn.identity import signed_in_learner
from hubd.web.learn.lessons import LessonPlace, find_lesson
from hubd.web.render import render

routes = web.RouteTableDef()
# Score and completion events of an attempt get ids derived from it, so they are made once.
_ATTEMPT_NAMESPACE = uuid.UUID("6f1d2a52-7c4b-4e1a-9a57-3c0b8d6e9f10")


async def _questions(request: web.Request, place: LessonPlace) -> tuple[Question, ...]:
    file = place.lesson.file
    return await from_course_file(
        request, place.course.course_id, file, "quiz", lambda data: parse_quiz(data, file)
    )


async def quiz_start(request: web.Request, place: LessonPlace) -> web.Response:
    """The quiz's first page: how many questions, and a button to begin."""
    learner = await signed_in_learner(request)
    questions = await _questions(request, place)
    state = None
    if learner is not None:
        async with request.app[keys.STORE].quick_reader() as db:
            states = await learning.lesson_states(db, learner.learner_id, place.course.course_id)
        state = states.get(place.lesson.lesson_id)
    return render(
        request,
        "learn/quiz_start.html",
        place=place,
        course=place.course,
        lesson=place.lesson,
        count=len(questions),
        state=state,
        attempt=str(uuid.uuid4()),
        dir=text_direction(place.course.language),
        learner=learner,
    )


def _attempt_id(request: web.Request) -> str:
    attempt = request.match_info["attempt"]
    try:
        return str(uuid.UUID(attempt))
    except ValueError:
        raise NotFound("There is no such quiz attempt.") from None


async def _learner_or_sign_in(request: web.Request) -> learning.Learner:
    learner = await signed_in_learner(request)
    if learner is None:
        raise web.HTTPSeeOther("/signin")
    return learner


@routes.get("/courses/{course_id}/lessons/{lesson_id}/attempt/{attempt}")
async def quiz_question(request: web.Request) -> web.Response:
    place = await find_lesson(request)
    if place.lesson.kind != "quiz":
        raise NotFound("There is no such quiz.")
    attempt = _attempt_id(request)
    learner = await _learner_or_sign_in(request)
    questions = await _questions(request, place)
    async with request.app[keys.STORE].quick_reader() as db:
        answers = await learning.attempt_answers(
            db, learner.learner_id, place.course.course_id, place.lesson.lesson_id, attempt
        )
    feedback = _feedback(request.query.get("after", ""), questions, answers)
    remaining = [q for q in questions if q.question_id not in answers]
    context: dict[str, Any] = {
        "place": place,
        "course": place.course,
        "lesson": place.lesson,
        "attempt": attempt,
        "feedback": feedback,
        "total": len(questions),
        "dir": text_direction(place.course.language),
        "learner": learner,
    }
    if remaining:
        return render(
            request,
            "learn/quiz_question.html",
            question=remaining[0],
            number=len(questions) - len(remaining) + 1,
            event_id=str(uuid.uuid4()),
            **context,
        )
    score = sum(1 for correct in answers.values() if correct)
    await _finish(request, place, learner, attempt, score, len(questions))
    before = await _pre_assessment_score(request, place, learner)
    return render(
        request, "learn/quiz_result.html", score=score, before=before, next=place.next, **context
    )


def _feedback(
    after: str, questions: tuple[Question, ...], answers: dict[str, bool]
) -> dict[str, Any] | None:
    for question in questions:
        if question.question_id == after and after in answers:
            return {
                "correct": answers[after],
                "right_choice": question.choices[question.answer],
            }
    return None


@routes.post("/courses/{course_id}/lessons/{lesson_id}/attempt/{attempt}")
async def quiz_answer(request: web.Request) -> web.Response:
    form = await posted_form(request)
    check_csrf(request, form)
    place = await find_lesson(request)
    if place.lesson.kind != "quiz":
        raise NotFound("There is no such quiz.")
    attempt = _attempt_id(request)
    learner = await _learner_or_sign_in(request)
    questions = {q.question_id: q for q in await _questions(request, place)}
    question = questions.get(str(form.get("question_id", "")))
    if question is None:
        raise BadRequest("That question is not part of this quiz.")
    try:
        event_id = str(uuid.UUID(str(form.get("event_id", ""))))
        choice = int(str(form.get("choice", "")))
    except ValueError:
        here = request.path
        raise web.HTTPSeeOther(here) from None  # no choice made: ask the same question again
    if not 0 <= choice < len(question.choices):
        raise BadRequest("That choice is not one of the answers.")
    payload = {
        "question_id": question.question_id,
        "choice": choice,
        "correct": choice == question.answer,
        "assessment": place.lesson.assessment or "practice",
        "attempt": attempt,
    }
    await _record(request, learner, place, [("answer", event_id, payload)])
    raise web.HTTPSeeOther(f"{request.path}?after={question.question_id}")


async def _finish(
    request: web.Request,
    place: LessonPlace,
    learner: learning.Learner,
    attempt: str,
    score: int,
    total: int,
) -> None:
    scored = str(uuid.uuid5(_ATTEMPT_NAMESPACE, f"{attempt}/score"))
    completed = str(uuid.uuid5(_ATTEMPT_NAMESPACE, f"{attempt}/completed"))
    payload = {
        "score": score,
        "max": total,
        "assessment": place.lesson.assessment or "practice",
        "attempt": attempt,
    }
    await _record(
        request,
        learner,
        place,
        [("quiz_scored", scored, payload), ("lesson_completed", completed, {})],
    )


async def _record(
    request: web.Request,
    learner: learning.Learner,
    place: LessonPlace,
    items: list[tuple[str, str, dict[str, Any]]],
) -> None:
    events = [
        NewEvent(
            event_id,
            learner.learner_id,
            kind,
            place.course.course_id,
            place.lesson.lesson_id,
            json.dumps(payload, separators=(",", ":"), sort_keys=True),
        )
        for kind, event_id, payload in items
    ]
    app = request.app
    await app[keys.STORE].write(
        progress.append_events(
            events, app[keys.IDENTITY], app[keys.CLOCK], app[keys.DEPS].wall_ms()
        )
    )


async def _pre_assessment_score(
    request: web.Request, place: LessonPlace, learner: learning.Learner
) -> tuple[int, int] | None:
    """For a post-assessment: the learner's pre-assessment score on the same questions."""
    if place.lesson.assessment != "post":
        return None
    pre = next(
        (
            item
            for item in place.lessons
            if item.kind == "quiz" and item.assessment == "pre" and item.file == place.lesson.file
        ),
        None,
    )
    if pre is None:
        return None
    async with request.app[keys.STORE].quick_reader() as db:
        states = await learning.lesson_states(db, learner.learner_id, place.course.course_id)
    state = states.get(pre.lesson_id)
    if state is None or state.last_score is None or state.max_score is None:
        return None
    return state.last_score, state.max_score
