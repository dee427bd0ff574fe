"""Who is asking: the learner or staff member behind a request's session cookie."""

from __future__ import annotations

from aiohttp import web

from hubd.errors import Unauthorized
from hubd.storage import people
from hubd.web import keys
from hubd.web.cookies import request_cookie

LEARNER_COOKIE = "hub_learner"
STAFF_COOKIE = "hub_staff"


async def find_session(request: web.Request, cookie: str) -> people.Session | None:
    """The session behind a request's cookie, through the cache."""
    token = request_cookie(request, cookie)
    if not token:
        return None
    cache = request.app[keys.SESSIONS]
    session = cache.get(token)
    if session is None:
        async with request.app[keys.STORE].quick_reader() as db:
            session = await people.find_session(db, token)
        if session is not None:
            cache.put(token, session)
    return session


async def current_learner(request: web.Request) -> str:
    """The signed-in learner's id, or Unauthorized."""
    session = await find_session(request, LEARNER_COOKIE)
    if session is not None and session.kind == "learner":
        return session.subject_id
    raise Unauthorized("Please sign in to record your progress.")


def set_session_cookie(response: web.StreamResponse, name: str, token: str) -> None:
    """Session cookies: HttpOnly, SameSite=Strict so that lesson activities (another origin,
    sandboxed) never carry them, and Secure when the hub is reached over HTTPS."""
    response.set_cookie(name, token, httponly=True, samesite="Strict", path="/")
