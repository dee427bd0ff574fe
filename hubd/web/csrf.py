"""Protection of every form against cross-site requests: a double-submitted random token.

Each browser gets a random `hub_csrf` cookie (HttpOnly, SameSite=Strict); every form carries
the same value in a hidden `csrf` field. Another site can make a browser post a form, but it
can neither read nor set that cookie, so its post is refused and changes nothing.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from aiohttp import web
from multidict import MultiDictProxy

from hubd.errors import BadRequest, Forbidden
from hubd.web.cookies import request_cookie

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]

_LOGGER = logging.getLogger(__name__)
CSRF_COOKIE = "hub_csrf"
CSRF_FIELD = "csrf"
_REQUEST_TOKEN = web.RequestKey("csrf_token", str)


def csrf_token(request: web.Request) -> str:
    """The token for forms on this page (made, and later set as a cookie, if new)."""
    token = request_cookie(request, CSRF_COOKIE)
    if len(token) < 20:
        token = request.get(_REQUEST_TOKEN) or secrets.token_urlsafe(24)
        request[_REQUEST_TOKEN] = token
    return token


def remember_csrf(request: web.Request, response: web.StreamResponse) -> None:
    """Set the cookie when this request made a new token."""
    token = request.get(_REQUEST_TOKEN)
    if token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/")


def check_csrf(request: web.Request, form: Form) -> None:
    """Refuse a form post whose token does not match this browser's cookie."""
    cookie = request_cookie(request, CSRF_COOKIE)
    sent = form.get(CSRF_FIELD)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie, sent):
        raise Forbidden(
            "This form has expired or came from somewhere else. Go back, reload the page and "
            "try again.",
            code="csrf",
        )


async def posted_form(request: web.Request) -> Form:
    """The fields of a posted form; a body that is not a readable form (bytes that are not
    UTF-8, a broken multipart) is a clear 400, never an error page."""
    try:
        return await request.post()
    except ValueError as exc:  # UnicodeDecodeError is one
        _LOGGER.info("Unreadable form posted to %s: %s", request.path, exc)
        raise BadRequest("This form is damaged; go back and try again.") from None
