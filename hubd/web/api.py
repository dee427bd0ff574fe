"""The JSON API under /api/v1 (described by hubd/web/openapi.py)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from aiohttp import web

import hubd
from hubd.errors import BadRequest, NotFound, PayloadTooLarge
from hubd.storage import catalogue, progress
from hubd.storage.database import schema_version
from hubd.sync.events import parse_new_event
from hubd.web import keys
from hubd.web.openapi import openapi_document
from hubd.web.sessions import current_learner

_LOGGER = logging.getLogger(__name__)
MAX_EVENTS_PER_REQUEST = 500

routes = web.RouteTableDef()


@routes.get("/api/v1/health")
async def health(request: web.Request) -> web.Response:
    """Version, database, free space and uptime: what a teacher's health page and a
    technician's script ask first."""
    app = request.app
    store = app[keys.STORE]
    database_ok = True
    try:
        async with store.reader() as db:
            await (await db.execute("SELECT count(*) FROM courses")).fetchone()
    except Exception:
        _LOGGER.exception("Health check could not read the database")
        database_ok = False
    usage = app[keys.DEPS].disk_usage(app[keys.CONFIG].data_dir)
    body: dict[str, Any] = {
        "status": "ok" if database_ok else "degraded",
        "version": hubd.__version__,
        "hub": {"id": app[keys.IDENTITY].hub_id, "name": app[keys.IDENTITY].name},
        "database": {
            "ok": database_ok,
            "schema": schema_version(),
            "commits": store.stats.commits,
            "writes": store.stats.writes,
        },
        "disk": {"free_bytes": usage.free, "total_bytes": usage.total},
        "clock": _clock_json(app),
        "uptime_seconds": round(app[keys.DEPS].monotonic() - app[keys.STARTED_AT], 1),
    }
    return web.json_response(body, status=200 if database_ok else 503)


def _clock_json(app: web.Application) -> dict[str, Any]:
    """The hub's time, and how far it moved its clock forward since it started (and why)."""
    wall = app[keys.WALL]
    moved = wall.last_correction
    last = None
    if moved is not None:
        last = {
            "by": moved.by,
            "ahead_ms": moved.ahead_ms,
            "at_ms": moved.at_ms,
            "devices": moved.devices,
        }
    return {"now_ms": app[keys.DEPS].wall_ms(), "corrected_ms": wall.offset_ms, "last": last}


@routes.get("/api/v1/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def _course_json(course: catalogue.CourseSummary) -> dict[str, Any]:
    return {
        "id": course.course_id,
        "version": course.version,
        "language": course.language,
        "title": course.title,
        "description": course.description,
        "subject": course.subject,
        "lesson_count": course.lesson_count,
    }


@routes.get("/api/v1/courses")
async def list_courses(request: web.Request) -> web.Response:
    cache = request.app[keys.CATALOGUE_CACHE]
    async with request.app[keys.STORE].quick_reader() as db:
        await cache.refresh(db)
        courses = await cache.courses(db)
    return web.json_response({"courses": [_course_json(c) for c in courses]})


@routes.get("/api/v1/courses/{course_id}")
async def get_course(request: web.Request) -> web.Response:
    course_id = request.match_info["course_id"]
    cache = request.app[keys.CATALOGUE_CACHE]
    async with request.app[keys.STORE].quick_reader() as db:
        await cache.refresh(db)
        outline = await cache.outline(db, course_id)
    if outline is None:
        raise NotFound("There is no such course on this hub.")
    course, lessons = outline.course, outline.lessons
    body = _course_json(course)
    body["lessons"] = [
        {
            "id": lesson.lesson_id,
            "module": lesson.module_id,
            "kind": lesson.kind,
            "title": lesson.title,
            "assessment": lesson.assessment,
        }
        for lesson in lessons
    ]
    return web.json_response(body)


@routes.get("/api/v1/search")
async def search(request: web.Request) -> web.Response:
    text = request.query.get("q", "")
    if len(text) > 200:
        raise BadRequest("A search is limited to 200 characters.")
    language = request.query.get("lang") or None
    store = request.app[keys.STORE]
    cache = request.app[keys.CATALOGUE_CACHE]
    async with store.quick_reader() as db:
        await cache.refresh(db)
    hits = await cache.search(store, text, language)
    return web.json_response(
        {
            "query": text,
            "results": [
                {
                    "course_id": h.course_id,
                    "course_title": h.course_title,
                    "lesson_id": h.lesson_id,
                    "title": h.title,
                    "language": h.language,
                    "kind": h.kind,
                }
                for h in hits
            ],
        }
    )


@routes.post("/api/v1/progress")
async def record_progress(request: web.Request) -> web.Response:
    """Record a batch of progress events from a learner's browser, each exactly once.

    A 200 means every event in the batch is durable on the hub's storage.
    """
    learner_id = await current_learner(request)
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("The progress sent is not valid JSON.") from None
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise BadRequest('Send {"events": [...]}.')
    raw_events = body["events"]
    if len(raw_events) > MAX_EVENTS_PER_REQUEST:
        raise PayloadTooLarge(f"Send at most {MAX_EVENTS_PER_REQUEST} events at a time.")
    events = []
    for index, raw in enumerate(raw_events):
        try:
            events.append(parse_new_event(raw, learner_id=learner_id))
        except BadRequest as exc:
            raise BadRequest(f"Event {index + 1}: {exc.message}") from None
    app = request.app
    sent_ms = body.get("sent_ms")
    if type(sent_ms) is int:  # the browser's clock: the hub's own may be behind (timekeeping)
        app[keys.WALL].device_time(request.remote or "", sent_ms)
    started = time.perf_counter()
    result = await app[keys.STORE].write(
        progress.append_events(
            events, app[keys.IDENTITY], app[keys.CLOCK], app[keys.DEPS].wall_ms()
        )
    )
    _LOGGER.debug(
        "Recorded %d events in %.1f ms", result.accepted, (time.perf_counter() - started) * 1e3
    )
    return web.json_response({"accepted": result.accepted, "duplicates": result.duplicates})
