"""Operators sign in to central's pages; the hubs' sync endpoint stays outside.

Every page but ``/login`` and ``/api/v1/`` needs a signed-in operator (a session cookie,
HttpOnly and SameSite=Strict). Every form post carries a CSRF token that must match the
browser's ``central_csrf`` cookie. Hubs are authenticated by their bundles' signatures, never by
a sign-in, so ``/api/v1/`` passes untouched.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy

from central import operators
from central.pages import csrf_field, escape, page
from central.service import CENTRAL_KEY

_LOGGER = logging.getLogger(__name__)
SESSION_COOKIE = "central_session"
CSRF_COOKIE = "central_csrf"
OPERATOR = web.RequestKey("operator", str)
_NEW_CSRF = web.RequestKey("new_csrf", str)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Form = MultiDictProxy[str | bytes | bytearray | web.FileField]

routes = web.RouteTableDef()


def csrf_token(request: web.Request) -> str:
    """The token this browser's forms carry (a new one is set as a cookie with the page)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) < 20:
        token = request.get(_NEW_CSRF) or secrets.token_urlsafe(24)
        request[_NEW_CSRF] = token
    return token


async def read_form(request: web.Request) -> Form:
    """The posted form, once its CSRF token matches the cookie; otherwise 403, nothing done."""
    try:
        form = await request.post()
    except ValueError as exc:  # bytes that are not UTF-8, a broken multipart
        _LOGGER.info("Unreadable form posted to %s: %s", request.path, exc)
        raise web.HTTPBadRequest(
            text="This form is damaged. Go back, reload the page and try again."
        ) from None
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get("csrf")
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie, sent):
        _LOGGER.warning("Form post to %s refused: CSRF token missing or wrong", request.path)
        raise web.HTTPForbidden(
            text="This form has expired or came from somewhere else. Go back, reload the page "
            "and try again.",
        )
    return form


def _field(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"


def _open(path: str) -> bool:
    return path.startswith("/api/") or path == "/login"


@web.middleware
async def operators_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Let the hubs' API and the sign-in page through; everything else needs an operator."""
    if not _open(request.path):
        central = request.app[CENTRAL_KEY]
        token = request.cookies.get(SESSION_COOKIE, "")
        operator = None
        if token:
            now = central.wall_ms()
            operator = await central.run(lambda db: operators.session_operator(db, token, now))
        if operator is None:
            if request.method in ("GET", "HEAD"):
                raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe=""))
            return page("Sign in first", "<p><a href='/login'>Sign in</a></p>", status=401)
        request[OPERATOR] = operator
    response = await handler(request)
    new = request.get(_NEW_CSRF)
    if new:
        response.set_cookie(
            CSRF_COOKIE, new, httponly=True, samesite="Strict", secure=_secure(request), path="/"
        )
    return response


def _next(value: str) -> str:
    """Where to go after signing in: a path on this site only."""
    return value if value.startswith("/") and not value.startswith("//") else "/"


def _sign_in_page(
    request: web.Request, *, error: str = "", name: str = "", status: int = 200
) -> web.Response:
    message = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    body = (
        f"{message}<form method='post' action='/login'>{csrf_field(csrf_token(request))}"
        f"<input type='hidden' name='next' value='{escape(_next(request.query.get('next', '')))}'>"
        "<label for='name'>Operator name</label>"
        f"<input id='name' name='name' required autocomplete='username' value='{escape(name)}'>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' required"
        " autocomplete='current-password'>"
        "<div><button type='submit'>Sign in</button></div></form>"
    )
    return page("Central: sign in", body, status=status)


@routes.get("/login")
async def sign_in_page(request: web.Request) -> web.Response:
    return _sign_in_page(request)


@routes.post("/login")
async def sign_in(request: web.Request) -> web.Response:
    central = request.app[CENTRAL_KEY]
    form = await read_form(request)
    name = _field(form, "name").strip()[:80]
    password = _field(form, "password")[: operators.MAX_PASSWORD]
    keys = [f"address:{request.remote}", f"name:{name.casefold()}"]
    wait = central.throttle.wait_seconds(keys)
    if wait > 0:
        _LOGGER.warning("Sign-in as %r from %s refused: waiting %.0f s", name, request.remote, wait)
        return _sign_in_page(
            request,
            error=f"Too many wrong passwords. Wait {int(wait) + 1} seconds and try again.",
            name=name,
            status=429,
        )
    # A name with control characters (NUL, which PostgreSQL refuses in text) names nobody:
    # no lookup, and the same answer and cost as any wrong name.
    usable = name.isprintable()
    stored = await central.run(lambda db: operators.stored_hash(db, name)) if usable else None
    if not await asyncio.to_thread(operators.password_matches, stored, password):
        central.throttle.failed(keys)
        _LOGGER.warning("Wrong operator name or password for %r from %s", name, request.remote)
        return _sign_in_page(request, error="Wrong name or password.", name=name, status=401)
    central.throttle.succeeded(keys)
    now = central.wall_ms()
    token = await central.run(lambda db: operators.start_session(db, name, now))
    _LOGGER.info("Operator %s signed in from %s", name, request.remote)
    response = web.Response(status=303, headers={"Location": _next(_field(form, "next"))})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
        path="/",
        max_age=operators.SESSION_HOURS * 3600,
    )
    return response


@routes.post("/logout")
async def sign_out(request: web.Request) -> web.Response:
    central = request.app[CENTRAL_KEY]
    await read_form(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    await central.run(lambda db: operators.end_session(db, token))
    response = web.Response(status=303, headers={"Location": "/login"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
