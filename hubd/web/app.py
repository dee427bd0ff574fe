"""The application factory: `create_app(config, deps)`."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator

import jinja2
from aiohttp import web

from hubd.auth.throttle import AttemptLimiter
from hubd.config import Config
from hubd.content.blobs import BlobStore
from hubd.datadir import ensure_data_dir
from hubd.deps import Deps
from hubd.discovery.context import discovery_context
from hubd.fleet import hub_keys
from hubd.resources import webui_dir
from hubd.storage import catalogue
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock
from hubd.sync_session.online_wiring import online_sync_context
from hubd.timekeeping import HubWall
from hubd.usb import wiring as usb
from hubd.web import api, captive, keys, media, static_files
from hubd.web.admin import setup as admin_pages
from hubd.web.catalogue_cache import CatalogueCache
from hubd.web.errors import Handler, error_middleware
from hubd.web.i18n import Catalogues
from hubd.web.learn import catalogue as catalogue_pages
from hubd.web.learn import lessons, pdf_viewer, quiz, signin
from hubd.web.session_cache import SessionCache

_LOGGER = logging.getLogger(__name__)


def create_app(config: Config, deps: Deps | None = None) -> web.Application:
    """Build the hub's web application; resources open on startup and close in reverse."""
    clock = HybridClock()
    deps = deps or Deps()
    # Everything in the daemon reads the time through deps.wall_ms: the corrected wall clock.
    wall = HubWall(deps.wall_ms, deps.monotonic, clock)
    deps = dataclasses.replace(deps, wall_ms=wall.now_ms)
    app = web.Application(
        middlewares=[error_middleware, security_headers],
        client_max_size=config.web.max_request_bytes,
    )
    app[keys.CONFIG] = config
    app[keys.DEPS] = deps
    app[keys.CLOCK] = clock
    app[keys.WALL] = wall
    app[keys.BLOBS] = BlobStore(config.blobs_dir)
    app[keys.CATALOGUE_CACHE] = CatalogueCache()
    app[keys.RENDERED] = {}
    app[keys.STATIC] = static_files.StaticFiles(webui_dir() / "static")
    app[keys.TEMPLATES] = make_templates()
    app[keys.TEMPLATES].globals["static_url"] = app[keys.STATIC].url
    app[keys.TEMPLATES_BY_LANGUAGE] = {}
    app[keys.STARTED_AT] = deps.monotonic()
    app[keys.SESSIONS] = SessionCache(deps.monotonic)
    app[keys.CATALOGUES] = Catalogues(webui_dir() / "locale")
    app[keys.SIGNIN_LIMITER] = AttemptLimiter(deps.monotonic)
    app.cleanup_ctx.append(store_context)
    app.cleanup_ctx.append(watchdog_context)
    app.cleanup_ctx.append(usb.usb_context)
    app.cleanup_ctx.append(discovery_context)
    app.cleanup_ctx.append(online_sync_context)
    captive.install(app)
    app.add_routes(api.routes)
    app.add_routes(usb.routes)
    app.add_routes(catalogue_pages.routes)
    app.add_routes(lessons.routes)
    app.add_routes(pdf_viewer.routes)
    app.add_routes(quiz.routes)
    app.add_routes(signin.routes)
    app.add_routes(media.routes)
    admin_pages.install(app)
    static_files.install(app, app[keys.STATIC])
    return app


def make_templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(webui_dir() / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        # Templates ship inside the package and change only with it: no stat() per page.
        auto_reload=False,
    )
    env.globals["hub_name"] = "Learning Hub"
    # Each page gets its reader's catalogue (hubd/web/render.py); this only makes {% trans %}
    # blocks compile new-style, with escaped %(name)s variables.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html" and "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; media-src 'self'; "
            "frame-src 'self'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'"
        )
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


async def store_context(app: web.Application) -> AsyncIterator[None]:
    """The database: opened, checked and migrated at start; every queued write done at stop."""
    config = app[keys.CONFIG]
    deps = app[keys.DEPS]
    await asyncio.to_thread(ensure_data_dir, config, deps)
    store = await Store.open(
        config.database_path, readers=config.storage.readers, max_batch=config.storage.max_batch
    )
    try:
        # The hub's own key pair: made on first start, never part of an image.
        app[keys.HUB_KEYS] = await asyncio.to_thread(hub_keys, config)
        app[keys.IDENTITY] = await store.write(
            ensure_identity(
                config.hub.name, app[keys.CLOCK], deps.wall_ms(), hub_id=app[keys.HUB_KEYS].key_id
            )
        )
        # The wall clock takes the floor just loaded now, and runs on from it (timekeeping).
        app[keys.WALL].now_ms()
        app[keys.STORE] = store
        app[keys.TEMPLATES].globals["hub_name"] = app[keys.IDENTITY].name
        await _collect_garbage(store, app[keys.BLOBS])
        yield
    finally:
        await store.close()


async def _collect_garbage(store: Store, blobs: BlobStore) -> None:
    """Remove files a power cut left behind: half-copied ones, and ones no course uses."""
    await asyncio.to_thread(blobs.clear_incoming)
    async with store.reader() as db:
        known = await catalogue.all_blob_hashes(db)
    if not blobs.root.is_dir():
        return
    stray = [
        p.name
        for p in await asyncio.to_thread(lambda: list(blobs.root.glob("??/*")))
        if p.name not in known and len(p.name) == 64
    ]
    if stray:
        removed = await asyncio.to_thread(blobs.remove, stray)
        _LOGGER.info("Removed %d course files that no installed course uses", removed)


async def watchdog_context(app: web.Application) -> AsyncIterator[None]:
    """Feed systemd's watchdog while the event loop and the database both answer."""
    notifier = app[keys.DEPS].notifier
    interval = notifier.watchdog_interval
    if interval is None:
        yield
        return

    async def feed() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                async with app[keys.STORE].reader() as db:
                    await db.execute("SELECT 1")
            except Exception:
                _LOGGER.exception("Database does not answer; not feeding the watchdog")
                continue
            notifier.notify("WATCHDOG=1")

    task = asyncio.create_task(feed(), name="hubd-watchdog")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
