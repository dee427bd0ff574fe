"""Who is asking: the learner or staff member behind a request's session cookie."""

from __future__ import annotations

from aiohttp import web

from hubd.errors import Unauthorized
from hubd.storage import people
from hubd.web import keys

LEARNER_COOKIE = "hub_learner"
STAFF_COOKIE = "hub_staff"


async def current_learner(request: web.Request) -> str:
    """The signed-in learner's id, or Unauthorized."""
    token = request.cookies.get(LEARNER_COOKIE, "")
    if token:
        async with request.app[keys.STORE].reader() as db:
            session = await people.find_session(db, token)
        if session is not None and session.kind == "learner":
            return session.subject_id
    raise Unauthorized("Please sign in to record your progress.")


def set_session_cookie(response: web.StreamResponse, name: str, token: str) -> None:
    """Session cookies: HttpOnly, SameSite=Strict so that lesson activities (another origin,
    sandboxed) never carry them, and Secure when the hub is reached over HTTPS."""
    response.set_cookie(name, token, httponly=True, samesite="Strict", path="/")
