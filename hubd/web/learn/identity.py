"""Who the learner in front of the screen is, for pages."""

from __future__ import annotations

from aiohttp import web

from hubd.storage import learning
from hubd.web import keys
from hubd.web.sessions import LEARNER_COOKIE, find_session

PICTURES: dict[str, tuple[str, str]] = {
    # key: (emoji, name for screen readers). Emoji from Unicode 6.0, so old phones show them.
    "dog": ("🐶", "dog"),
    "cat": ("🐱", "cat"),
    "rabbit": ("🐰", "rabbit"),
    "frog": ("🐸", "frog"),
    "fish": ("🐟", "fish"),
    "flower": ("🌻", "flower"),
    "star": ("⭐", "star"),
    "apple": ("🍎", "apple"),
    "house": ("🏠", "house"),
}


async def signed_in_learner(request: web.Request) -> learning.Learner | None:
    """The learner signed in on this browser, if any."""
    session = await find_session(request, LEARNER_COOKIE)
    if session is None or session.kind != "learner":
        return None
    async with request.app[keys.STORE].quick_reader() as db:
        return await learning.get_learner(db, session.subject_id)


def client_address(request: web.Request) -> str:
    """The device asking (the hub is the router, so this is the phone's own address)."""
    return request.remote or "unknown"
