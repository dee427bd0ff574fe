"""Home, search and course pages. They work with JavaScript off."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hubd.errors import BadRequest, NotFound
from hubd.storage import catalogue, learning
from hubd.web import keys
from hubd.web.learn.identity import signed_in_learner
from hubd.web.render import page_language, render

routes = web.RouteTableDef()
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})


def text_direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    """Signed in: my courses first, with progress, and where to continue. Otherwise all."""
    learner = await signed_in_learner(request)
    async with request.app[keys.STORE].quick_reader() as db:
        if learner is None:
            cache = request.app[keys.CATALOGUE_CACHE]
            await cache.refresh(db)
            courses = [
                learning.CourseProgress(
                    c.course_id, c.title, c.language, c.description, c.lesson_count, 0, False, None
                )
                for c in await cache.courses(db)
            ]
            resume = None
        else:
            courses = await learning.my_courses(db, learner.learner_id)
            resume = await learning.resume_point(db, learner.learner_id)
    # Assigned first; then courses in the reader's language, then the others (each by title).
    language = page_language(request)
    courses = sorted(courses, key=lambda c: (not c.assigned, c.language.split("-")[0] != language))
    return render(
        request,
        "learn/home.html",
        learner=learner,
        courses=courses,
        resume=resume,
        dir_of=text_direction,
    )


@routes.get("/search")
async def search_page(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    if len(query) > 200:
        raise BadRequest("A search is limited to 200 characters.")
    hits: list[catalogue.SearchHit] = []
    if query:
        # Results in the learner's own language come first.
        language = request.query.get("lang") or page_language(request)
        store = request.app[keys.STORE]
        cache = request.app[keys.CATALOGUE_CACHE]
        async with store.quick_reader() as db:
            await cache.refresh(db)
        hits = await cache.search(store, query, language)
    return render(
        request,
        "learn/search.html",
        query=query,
        hits=hits,
        dir_of=text_direction,
        learner=await signed_in_learner(request),
    )


@routes.get("/courses/{course_id}")
async def course_page(request: web.Request) -> web.Response:
    course_id = request.match_info["course_id"]
    learner = await signed_in_learner(request)
    cache = request.app[keys.CATALOGUE_CACHE]
    async with request.app[keys.STORE].quick_reader() as db:
        await cache.refresh(db)
        outline = await cache.outline(db, course_id)
        states = (
            await learning.lesson_states(db, learner.learner_id, course_id)
            if learner and outline
            else {}
        )
        assigned = (
            await learning.assigned_lessons(db, learner.learner_id, course_id)
            if learner and outline
            else {}
        )
    if outline is None:
        raise NotFound("There is no such course on this hub.")
    course, lessons = outline.course, outline.lessons
    modules: list[tuple[str, list[Any]]] = []
    for lesson in lessons:
        if not modules or modules[-1][0] != lesson.module_title:
            modules.append((lesson.module_title, []))
        modules[-1][1].append(lesson)
    completed = sum(
        1
        for lesson in lessons
        if states.get(lesson.lesson_id, None) and states[lesson.lesson_id].completed
    )
    return render(
        request,
        "learn/course.html",
        course=course,
        modules=modules,
        states=states,
        assigned=assigned,
        completed=completed,
        percent=round(100 * completed / len(lessons)) if lessons else 0,
        dir=text_direction(course.language),
        learner=learner,
    )
