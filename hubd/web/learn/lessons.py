"""A lesson of any kind: text, video, audio, PDF, HTML5 activity (quizzes: quiz.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from markdown_it import MarkdownIt

from hubd.content.package import Lesson
from hubd.errors import BadRequest, NotFound, Unauthorized
from hubd.storage import catalogue, learning, progress
from hubd.sync.events import NewEvent
from hubd.web import keys
from hubd.web.csrf import check_csrf, posted_form
from hubd.web.learn.catalogue import text_direction
from hubd.web.learn.course_files import from_course_file
from hubd.web.learn.identity import signed_in_learner
from hubd.web.render import render

routes = web.RouteTableDef()

# Raw HTML in a lesson's Markdown is shown as text, never run.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def _render_markdown(data: bytes) -> str:
    return str(_MARKDOWN.render(data.decode("utf-8", errors="replace")))


@dataclass(frozen=True, slots=True)
class LessonPlace:
    course: catalogue.CourseSummary
    lessons: tuple[Lesson, ...]
    index: int

    @property
    def lesson(self) -> Lesson:
        return self.lessons[self.index]

    @property
    def previous(self) -> Lesson | None:
        return self.lessons[self.index - 1] if self.index > 0 else None

    @property
    def next(self) -> Lesson | None:
        return self.lessons[self.index + 1] if self.index + 1 < len(self.lessons) else None


async def find_lesson(request: web.Request) -> LessonPlace:
    """The course and lesson named in the URL, or a 404 page."""
    course_id = request.match_info["course_id"]
    lesson_id = request.match_info["lesson_id"]
    cache = request.app[keys.CATALOGUE_CACHE]
    async with request.app[keys.STORE].quick_reader() as db:
        await cache.refresh(db)
        outline = await cache.outline(db, course_id)
    lessons = outline.lessons if outline else ()
    index = next((i for i, item in enumerate(lessons) if item.lesson_id == lesson_id), None)
    if outline is None or index is None:
        raise NotFound("There is no such lesson on this hub.")
    return LessonPlace(outline.course, lessons, index)


@routes.get("/courses/{course_id}/lessons/{lesson_id}")
async def lesson_page(request: web.Request) -> web.Response:
    place = await find_lesson(request)
    if place.lesson.kind == "quiz":
        from hubd.web.learn.quiz import quiz_start

        return await quiz_start(request, place)
    learner = await signed_in_learner(request)
    state = None
    if learner is not None:
        async with request.app[keys.STORE].quick_reader() as db:
            states = await learning.lesson_states(db, learner.learner_id, place.course.course_id)
        state = states.get(place.lesson.lesson_id)
    context: dict[str, Any] = {}
    if place.lesson.kind == "text":
        context["body_html"] = await from_course_file(
            request, place.course.course_id, place.lesson.file, "markdown", _render_markdown
        )
    return render(
        request,
        "learn/lesson.html",
        place=place,
        course=place.course,
        lesson=place.lesson,
        state=state,
        done_event_id=str(uuid.uuid4()),
        dir=text_direction(place.course.language),
        learner=learner,
        **context,
    )


@routes.post("/courses/{course_id}/lessons/{lesson_id}/done")
async def mark_done(request: web.Request) -> web.Response:
    """ "I have finished": completion without JavaScript. The form's event id makes a
    double-submitted form count once."""
    form = await posted_form(request)
    check_csrf(request, form)
    place = await find_lesson(request)
    learner = await signed_in_learner(request)
    if learner is None:
        raise Unauthorized("Please sign in to record your progress.")
    event_id = form.get("event_id")
    try:
        event_id = str(uuid.UUID(str(event_id)))
    except ValueError:
        raise BadRequest("This form is damaged; go back and try again.") from None
    app = request.app
    event = NewEvent(
        event_id,
        learner.learner_id,
        "lesson_completed",
        place.course.course_id,
        place.lesson.lesson_id,
        "{}",
    )
    await app[keys.STORE].write(
        progress.append_events(
            [event], app[keys.IDENTITY], app[keys.CLOCK], app[keys.DEPS].wall_ms()
        )
    )
    following = place.next
    target = (
        f"/courses/{place.course.course_id}/lessons/{following.lesson_id}"
        if following
        else f"/courses/{place.course.course_id}"
    )
    raise web.HTTPSeeOther(target)
