"""``central serve``: the endpoint online hubs sync with, and the operators' pages.

- ``POST /api/v1/sync``: a hub's ``progress`` bundle as one stream in, its ``reply`` bundle as
  one stream out. The very same bundles and merge code as a stick; a request that fails half
  way changes nothing and is simply sent again.
- ``POST /api/v1/enrol``: a hub's enrolment request (an ``enrol`` bundle stream).
- Operators' pages, for a signed-in operator only (``central operator add NAME``; see
  :mod:`central.web_auth`): ``GET /`` hubs (status, last seen, version, backlog), enrolments
  waiting (approve or refuse), the figures; ``GET /figures.csv``; ``GET /xapi.ndjson``.

The hubs' endpoints are authenticated by the bundles' signatures, never by a sign-in. The service
listens on 127.0.0.1 unless told otherwise (put it behind the programme's HTTPS proxy).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from central import hubs, web_auth
from central.config import CentralConfig, CentralKeys, load_keys
from central.db import Database
from central.figures import TOTAL, figures_csv, programme_figures
from central.ingest import apply_verified
from central.pages import csrf_field, escape, page, table, when
from central.replies import ReplyKeys, write_reply
from central.service import CENTRAL_KEY, Central
from central.web_auth import OPERATOR, csrf_token, read_form
from central.xapi import export_statements
from hubd.bundle import BundleError, iter_bundle_stream, read_bundle_stream

_LOGGER = logging.getLogger(__name__)
XAPI_HOME_PAGE = "https://learning-hub.invalid/learners"
XAPI_ACTIVITIES = "https://learning-hub.invalid"
MAX_UPLOAD_BYTES = 1 << 30
ONLINE_REPLY_BYTES = 32 << 20


def _refused(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def _spool(request: web.Request, target: Path) -> None:
    """Copy the request body to central's disk, never more than the upload limit."""
    size = 0
    with target.open("xb") as out:
        async for chunk in request.content.iter_chunked(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise web.HTTPRequestEntityTooLarge(max_size=MAX_UPLOAD_BYTES, actual_size=size)
            await asyncio.to_thread(out.write, chunk)


async def sync(request: web.Request) -> web.StreamResponse:
    """A hub's progress in, its reply out (or a JSON refusal with the plain reason)."""
    central = request.app[CENTRAL_KEY]
    work = central.config.work_dir / f"http-{secrets.token_hex(6)}"
    await asyncio.to_thread(work.mkdir, parents=True)
    try:
        body = work / "upload.stream"
        await _spool(request, body)

        def ingest(db: Database) -> tuple[str, str, bool, str]:
            with body.open("rb") as stream:
                verified = read_bundle_stream(stream, work / "bundle", central.policy(db))
            with verified:
                outcome = apply_verified(db, verified, body, central.wall_ms)
            return outcome.kind, outcome.issuer, outcome.applied, outcome.message

        try:
            kind, issuer, applied, message = await central.run(ingest)
        except BundleError as exc:
            status = 403 if "not enrolled" in exc.reason else 422
            return _refused(status, exc.code, exc.reason)
        if not applied:
            return _refused(422, "not_applied", message)
        if kind == "enrol":
            return web.json_response({"enrolment": message}, status=202)
        if kind != "progress":
            return _refused(422, "wrong_kind", f"Central does not take {kind} bundles here.")
        reply_keys = ReplyKeys(central.keys.reply, central.keys.trust, central.keys.trust_files)
        reply_folder = work / "reply"
        await central.run(
            lambda db: write_reply(
                db, reply_keys, issuer, reply_folder, ONLINE_REPLY_BYTES, central.wall_ms
            )
        )
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        await response.prepare(request)
        chunks = iter_bundle_stream(reply_folder)
        while chunk := await asyncio.to_thread(next, chunks, b""):
            await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)


async def overview(request: web.Request) -> web.Response:
    """The fleet, enrolments waiting (approve or refuse) and the programme's figures."""
    central = request.app[CENTRAL_KEY]
    now = central.wall_ms()
    rows = await central.run(hubs.list_hubs)
    figures = await central.run(lambda db: programme_figures(db, now))
    token = csrf_token(request)

    def decide(hub_id: str) -> str:
        return "".join(
            f"<form class='inline' method='post' action='/enrolments/{escape(hub_id)}'>"
            f"{csrf_field(token)}<input type='hidden' name='decision' value='{value}'>"
            f"<button type='submit'>{label}</button></form> "
            for value, label in (("approve", "Approve"), ("refuse", "Refuse"))
        )

    waiting = [
        [r.hub_id, r.name or "-", when(r.requested_ms), decide(r.hub_id)]
        for r in rows
        if r.status == "waiting"
    ]
    fleet = [
        [r.hub_id, r.name or "-", r.status, when(r.last_seen_ms), r.software or "-", r.backlog]
        for r in rows
        if r.status != "waiting"
    ]
    numbers = [
        [
            "All hubs" if f.hub_id == TOTAL else (f.name or f.hub_id),
            f.registered_learners,
            f.enrolled_learners,
            f.lessons_completed,
            f.weekly_active_learners,
        ]
        for f in figures
    ]
    body = (
        "<h2>Enrolments waiting</h2>"
        + (
            table(["hub", "name", "asked", "decision"], waiting, raw_last=True)
            if waiting
            else "<p>None.</p>"
        )
        + "<h2>Hubs</h2>"
        + table(["hub", "name", "status", "last seen", "version", "backlog"], fleet)
        + "<h2>Figures</h2>"
        + table(
            [
                "hub",
                "registered learners",
                "enrolled in a course",
                "lessons completed",
                "active this week",
            ],
            numbers,
        )
        + "<p><a href='figures.csv'>Download the figures (CSV)</a></p>"
        + "<p><a href='xapi.ndjson'>Download every event as xAPI statements (ndjson)</a></p>"
    )
    return page("Learning Hub: the programme", body, operator=request[OPERATOR], csrf=token)


async def decide_enrolment(request: web.Request) -> web.Response:
    """An operator approves or refuses a hub that asked to join."""
    central = request.app[CENTRAL_KEY]
    hub_id = request.match_info["hub_id"]
    form = await read_form(request)
    decision = form.get("decision")
    if decision not in ("approve", "refuse"):
        return page("Not done", "<p>Choose approve or refuse.</p>", status=400)
    now = central.wall_ms()
    try:
        await central.run(lambda db: hubs.decide(db, hub_id, decision == "approve", now))
    except hubs.UnknownHub:
        return page("Not done", "<p>There is no such hub.</p>", status=404)
    _LOGGER.info("Operator %s: hub %s %sd", request[OPERATOR], hub_id, decision)
    raise web.HTTPSeeOther("/")


async def figures_download(request: web.Request) -> web.Response:
    central = request.app[CENTRAL_KEY]
    now = central.wall_ms()
    rows = await central.run(lambda db: programme_figures(db, now))
    return web.Response(
        text=figures_csv(rows),
        content_type="text/csv",
        headers={"Content-Disposition": "attachment; filename=figures.csv"},
    )


async def xapi_download(request: web.Request) -> web.StreamResponse:
    """Every event as an xAPI statement, one per line (written to disk first, then sent)."""
    central = request.app[CENTRAL_KEY]
    home = request.query.get("home_page", XAPI_HOME_PAGE)
    activities = request.query.get("activities", XAPI_ACTIVITIES)
    if not all(v.startswith(("https://", "http://")) for v in (home, activities)):
        return page("Not done", "<p>Addresses start with https:// or http://.</p>", status=400)
    work = central.config.work_dir / f"xapi-{secrets.token_hex(6)}.ndjson"
    await asyncio.to_thread(work.parent.mkdir, parents=True, exist_ok=True)

    def export(db: Database) -> None:
        with work.open("wb") as out:
            for line in export_statements(db, home, activities):
                out.write(line)

    try:
        await central.run(export)
        response = web.StreamResponse(
            headers={
                "Content-Type": "application/x-ndjson",
                "Content-Disposition": "attachment; filename=statements.ndjson",
            }
        )
        await response.prepare(request)
        with work.open("rb") as source:
            while chunk := await asyncio.to_thread(source.read, 1 << 20):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        await asyncio.to_thread(work.unlink, True)


def create_app(config: CentralConfig, keys: CentralKeys | None = None) -> web.Application:
    """The web service; the database opens on start and closes on cleanup."""
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES, middlewares=[web_auth.operators_only])

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        loaded = keys if keys is not None else await asyncio.to_thread(load_keys, config)
        central = Central(config, loaded)
        await central.start()
        app[CENTRAL_KEY] = central
        yield
        await central.close()

    app.cleanup_ctx.append(lifetime)
    app.router.add_post("/api/v1/sync", sync)
    app.router.add_post("/api/v1/enrol", sync)
    app.router.add_get("/", overview)
    app.router.add_post("/enrolments/{hub_id}", decide_enrolment)
    app.router.add_get("/figures.csv", figures_download)
    app.router.add_get("/xapi.ndjson", xapi_download)
    app.add_routes(web_auth.routes)
    return app


def serve(config: CentralConfig) -> None:
    """Run the service until interrupted."""
    web.run_app(create_app(config), host=config.host, port=config.port)
