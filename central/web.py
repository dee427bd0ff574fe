"""``central serve``: the endpoint online hubs sync with, and the operators' pages.

- ``POST /api/v1/sync``: a hub's ``progress`` bundle as one stream in, its ``reply`` bundle as
  one stream out. The very same bundles and merge code as a stick; a request that fails half
  way changes nothing and is simply sent again.
- ``POST /api/v1/enrol``: a hub's enrolment request (an ``enrol`` bundle stream).
- ``GET /``: hubs (status, last seen, version, backlog), enrolments waiting, the figures;
  ``GET /figures.csv``. Read-only: approving a hub stays a command (``central enrol``), and the
  service listens on 127.0.0.1 unless told otherwise (put it behind the programme's HTTPS proxy).

All database work runs on one thread that owns the connection (SQLite connections belong to
one thread); the event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from central import hubs
from central.config import CentralConfig, CentralKeys, load_keys
from central.db import Database, open_database
from central.figures import TOTAL, figures_csv, programme_figures
from central.ingest import apply_verified
from central.replies import ReplyKeys, write_reply
from hubd.bundle import CENTRAL, BundleError, ReadPolicy, iter_bundle_stream, read_bundle_stream

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
MAX_UPLOAD_BYTES = 1 << 30
ONLINE_REPLY_BYTES = 32 << 20


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class Central:
    """The service's state: config, keys, and the thread that owns the database."""

    def __init__(self, config: CentralConfig, keys: CentralKeys) -> None:
        self.config = config
        self.keys = keys
        self.wall_ms: Callable[[], int] = _wall_ms
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="central-db")
        self._db: Database | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._db = await loop.run_in_executor(self._executor, open_database, self.config.database)

    async def run(self, fn: Callable[[Database], T]) -> T:
        """Run `fn(db)` on the database thread."""
        loop = asyncio.get_running_loop()
        db = self._db
        assert db is not None
        return await loop.run_in_executor(self._executor, fn, db)

    async def close(self) -> None:
        if self._db is not None:
            db = self._db
            self._db = None
            await asyncio.get_running_loop().run_in_executor(self._executor, db.close)
        self._executor.shutdown(wait=True)

    def policy(self, db: Database) -> ReadPolicy:
        return ReadPolicy(
            trust=self.keys.trust,
            me=CENTRAL,
            encryption_key=self.keys.encryption,
            enrolled_hubs=hubs.approved_hubs(db),
            accept_enrol=True,
        )


CENTRAL_KEY = web.AppKey("central", Central)


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


def _page(title: str, body: str) -> web.Response:
    text = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:.3rem .6rem;text-align:left}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=text, content_type="text/html")


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _when(ms: int | None) -> str:
    return "never" if ms is None else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))


async def overview(request: web.Request) -> web.Response:
    """The fleet and the programme's figures, for operators."""
    central = request.app[CENTRAL_KEY]
    now = central.wall_ms()
    rows = await central.run(hubs.list_hubs)
    figures = await central.run(lambda db: programme_figures(db, now))
    waiting = [
        [r.hub_id, r.name or "-", _when(r.requested_ms)] for r in rows if r.status == "waiting"
    ]
    fleet = [
        [r.hub_id, r.name or "-", r.status, _when(r.last_seen_ms), r.software or "-", r.backlog]
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
            _table(["hub", "name", "asked"], waiting)
            + "<p>Approve with <code>central enrol approve HUB</code>.</p>"
            if waiting
            else "<p>None.</p>"
        )
        + "<h2>Hubs</h2>"
        + _table(["hub", "name", "status", "last seen", "version", "backlog"], fleet)
        + "<h2>Figures</h2>"
        + _table(
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
    )
    return _page("Learning Hub: the programme", body)


async def figures_download(request: web.Request) -> web.Response:
    central = request.app[CENTRAL_KEY]
    now = central.wall_ms()
    rows = await central.run(lambda db: programme_figures(db, now))
    return web.Response(
        text=figures_csv(rows),
        content_type="text/csv",
        headers={"Content-Disposition": "attachment; filename=figures.csv"},
    )


def create_app(config: CentralConfig, keys: CentralKeys | None = None) -> web.Application:
    """The web service; the database opens on start and closes on cleanup."""
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES)

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
    app.router.add_get("/figures.csv", figures_download)
    return app


def serve(config: CentralConfig) -> None:
    """Run the service until interrupted."""
    web.run_app(create_app(config), host=config.host, port=config.port)
