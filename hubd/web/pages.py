"""Server-rendered pages: the catalogue, search, a course, a lesson. They work without JS."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from markdown_it import MarkdownIt

from hubd.content.package import parse_quiz
from hubd.errors import BadRequest, NotFound
from hubd.storage import catalogue
from hubd.web import keys
from hubd.web.render import render

routes = web.RouteTableDef()

# Raw HTML in a lesson's Markdown is shown as text, never run.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})


def text_direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


@routes.get("/")
async def catalogue_page(request: web.Request) -> web.Response:
    async with request.app[keys.STORE].reader() as db:
        courses = await catalogue.list_courses(db)
    return render(request, "catalogue.html", courses=courses, dir_of=text_direction)


@routes.get("/search")
async def search_page(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    if len(query) > 200:
        raise BadRequest("A search is limited to 200 characters.")
    hits: list[catalogue.SearchHit] = []
    if query:
        async with request.app[keys.STORE].reader() as db:
            hits = await catalogue.search(db, query, language=request.query.get("lang"))
    return render(request, "search.html", query=query, hits=hits, dir_of=text_direction)


@routes.get("/courses/{course_id}")
async def course_page(request: web.Request) -> web.Response:
    course_id = request.match_info["course_id"]
    async with request.app[keys.STORE].reader() as db:
        course = await catalogue.get_course(db, course_id)
        lessons = await catalogue.course_lessons(db, course_id) if course else []
    if course is None:
        raise NotFound("There is no such course on this hub.")
    modules: list[tuple[str, list[Any]]] = []
    for lesson in lessons:
        if not modules or modules[-1][0] != lesson.module_title:
            modules.append((lesson.module_title, []))
        modules[-1][1].append(lesson)
    return render(
        request, "course.html", course=course, modules=modules, dir=text_direction(course.language)
    )


@routes.get("/courses/{course_id}/lessons/{lesson_id}")
async def lesson_page(request: web.Request) -> web.Response:
    course_id = request.match_info["course_id"]
    lesson_id = request.match_info["lesson_id"]
    async with request.app[keys.STORE].reader() as db:
        course = await catalogue.get_course(db, course_id)
        lessons = await catalogue.course_lessons(db, course_id) if course else []
    index = next((i for i, item in enumerate(lessons) if item.lesson_id == lesson_id), None)
    if course is None or index is None:
        raise NotFound("There is no such lesson on this hub.")
    lesson = lessons[index]
    context: dict[str, Any] = {}
    if lesson.kind in ("text", "quiz"):
        context.update(await _lesson_body(request, course_id, lesson.kind, lesson.file))
    return render(
        request,
        "lesson.html",
        course=course,
        lesson=lesson,
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        dir=text_direction(course.language),
        **context,
    )


async def _lesson_body(
    request: web.Request, course_id: str, kind: str, path: str
) -> dict[str, Any]:
    async with request.app[keys.STORE].reader() as db:
        found = await catalogue.find_file(db, course_id, path)
    if found is None:
        raise NotFound("This lesson's file is missing from the hub.")
    blob = request.app[keys.BLOBS].path_for(found.sha256)
    data = await asyncio.to_thread(blob.read_bytes)
    if kind == "text":
        return {"body_html": _MARKDOWN.render(data.decode("utf-8", errors="replace"))}
    # Only prompts and choices reach the page: the answers stay on the hub.
    questions = parse_quiz(data, path)
    return {"questions": [(q.question_id, q.prompt, q.choices) for q in questions]}
