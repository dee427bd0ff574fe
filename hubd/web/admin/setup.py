"""Adding the teachers' pages to the hub's application."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hubd.auth.throttle import AttemptLimiter
from hubd.web import keys
from hubd.web.admin import auth, cards, groups, hub_pages, imports, learners, staff_pages
from hubd.web.admin.guard import staff_only
from hubd.web.admin.secret_hasher import SecretHasher, secret_hasher_context


def install(app: web.Application) -> None:
    """Routes, the guard in front of /admin, sign-in throttling and the secret hasher."""
    app.middlewares.append(staff_only)
    app[keys.STAFF_LIMITER] = AttemptLimiter(app[keys.DEPS].monotonic)
    app[keys.SECRET_HASHER] = SecretHasher()
    app.cleanup_ctx.append(_hasher)
    for module in (auth, groups, learners, imports, cards, hub_pages, staff_pages):
        app.add_routes(module.routes)


async def _hasher(app: web.Application) -> AsyncIterator[None]:
    async for _ in secret_hasher_context(app[keys.SECRET_HASHER], app[keys.STORE]):
        yield
