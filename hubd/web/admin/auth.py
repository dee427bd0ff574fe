"""Staff accounts at the door: first-run setup, signing in and out, changing one's password.

Sign-in is slowed per device after a few wrong tries (as for learners) and an account locks
after `admin.max_failed_logins` wrong passwords in a row; the administrator, or `hubd admin
reset-password` on the hub's console, unlocks it with a new password.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid

from aiohttp import web

from hubd.auth.hashing import check_password, hash_password
from hubd.errors import BadRequest, HubError
from hubd.storage import people, staff
from hubd.web import keys
from hubd.web.admin import forms
from hubd.web.admin.guard import LOGIN_PATH, current_staff
from hubd.web.admin.notices import redirect
from hubd.web.learn.identity import client_address
from hubd.web.render import render
from hubd.web.sessions import STAFF_COOKIE

_LOGGER = logging.getLogger(__name__)
routes = web.RouteTableDef()
COOKIE_PATH = "/admin"
# Checked when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = hash_password("not a real password")


def set_staff_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """HttpOnly, SameSite=Strict and only sent to /admin: learner pages, the API and lesson
    activities (sandboxed, another origin) never carry it."""
    response.set_cookie(
        STAFF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path=COOKIE_PATH,
        secure=request.secure,
    )


async def _has_staff(request: web.Request) -> bool:
    async with request.app[keys.STORE].reader() as db:
        return await people.count_staff(db) > 0


def _safe_next(target: str) -> str:
    if target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin"


# First run -------------------------------------------------------------------------------


@routes.get("/setup")
async def setup_form(request: web.Request) -> web.Response:
    if await _has_staff(request):
        raise web.HTTPSeeOther(LOGIN_PATH)
    return render(request, "admin/setup.html", error="", values={}, staff=None)


@routes.post("/setup")
async def setup(request: web.Request) -> web.Response:
    form = await forms.read_form(request)
    if await _has_staff(request):
        raise web.HTTPSeeOther(LOGIN_PATH)
    values = {k: forms.field(form, k) for k in ("display_name", "username")}
    try:
        display_name = forms.name_field(form, "display_name")
        username = forms.username_field(form)
        password = forms.field(form, "password")
        forms.check_new_password(password, forms.field(form, "password2"))
        password_hash = await asyncio.to_thread(hash_password, password)
        staff_id = uuid.uuid4().hex
        await request.app[keys.STORE].write(
            staff.add_member(
                staff_id, username, display_name, password_hash, "admin",
                forms.now_hlc(request), only_if_first=True,
            )
        )
    except staff.SetupDone:
        raise web.HTTPSeeOther(LOGIN_PATH) from None
    except HubError as exc:
        return render(
            request, "admin/setup.html", status=exc.status, staff=None,
            error=forms.message(request, exc.message), values=values,
        )
    _LOGGER.info("First-run setup made the hub administrator %s", username)
    return await _signed_in(request, staff_id, "/admin")


# Signing in and out ---------------------------------------------------------------------


@routes.get(LOGIN_PATH)
async def login_form(request: web.Request) -> web.Response:
    if not await _has_staff(request):
        raise web.HTTPSeeOther("/setup")
    return _login_page(request)


def _login_page(
    request: web.Request, *, status: int = 200, error: str = "", username: str = ""
) -> web.Response:
    return render(
        request, "admin/login.html", status=status, error=error, staff=None,
        next=_safe_next(request.query.get("next", "/admin")),
        username=username,
    )


@routes.post(LOGIN_PATH)
async def login(request: web.Request) -> web.Response:
    form = await forms.read_form(request)
    app = request.app
    limiter = app[keys.STAFF_LIMITER]
    client = client_address(request)
    username = forms.field(form, "username").strip()[:100]
    password = forms.field(form, "password")[:200]
    wait = limiter.wait_seconds(client)
    if wait > 0:
        seconds = math.ceil(wait)
        response = _login_page(
            request, status=429,
            error=forms.message(
                request, "Please wait %(seconds)d seconds, then try again.", seconds=seconds
            ),
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    async with app[keys.STORE].reader() as db:
        record = await staff.login_record(db, username)
    locked_message = forms.message(
        request,
        "This account is locked after too many wrong passwords. Ask the hub administrator "
        "for a new password (or run \u201chubd admin reset-password\u201d on the hub).",
    )
    limit = app[keys.CONFIG].admin.max_failed_logins
    if record is not None and record.member.failed_logins >= limit:
        return _login_page(request, status=423, error=locked_message, username=username)
    stored = record.password_hash if record else _DUMMY_HASH
    correct = await asyncio.to_thread(check_password, stored, password)
    if record is None or not correct or not record.member.active:
        limiter.failed(client)
        _LOGGER.info("Wrong staff sign-in for %r from %s", username, client)
        if record is not None and record.member.active:
            failures = await app[keys.STORE].write(
                staff.record_failed_login(record.member.staff_id)
            )
            if failures >= limit:
                _LOGGER.warning("Staff account %s is locked after wrong passwords", username)
                return _login_page(request, status=423, error=locked_message)
        return _login_page(
            request, status=401, username=username,
            error=forms.message(request, "Wrong username or password. Try again."),
        )
    limiter.succeeded(client)
    return await _signed_in(
        request, record.member.staff_id, _safe_next(forms.field(form, "next"))
    )


async def _signed_in(request: web.Request, staff_id: str, target: str) -> web.Response:
    """Open a brand-new session (never reuse one the browser brought) and go on."""
    token = await request.app[keys.STORE].write(
        staff.record_login(
            staff_id, forms.now_hlc(request), replaces=request.cookies.get(STAFF_COOKIE)
        )
    )
    request.app[keys.SESSIONS].forget(staff_id)
    response = web.HTTPSeeOther(target)
    set_staff_cookie(request, response, token)
    raise response


@routes.post("/admin/logout")
async def logout(request: web.Request) -> web.Response:
    await forms.read_form(request)
    member = current_staff(request)
    token = request.cookies.get(STAFF_COOKIE, "")
    await request.app[keys.STORE].write(staff.end_session(token))
    request.app[keys.SESSIONS].forget(member.staff_id)
    response = web.HTTPSeeOther(LOGIN_PATH)
    response.del_cookie(STAFF_COOKIE, path=COOKIE_PATH)
    raise response


# One's own password -----------------------------------------------------------------------


@routes.get("/admin/account")
async def account_form(request: web.Request) -> web.Response:
    return render(request, "admin/account.html", staff=current_staff(request), error="")


@routes.post("/admin/account")
async def change_password(request: web.Request) -> web.Response:
    form = await forms.read_form(request)
    member = current_staff(request)
    app = request.app
    try:
        async with app[keys.STORE].reader() as db:
            record = await staff.login_record(db, member.username)
        assert record is not None
        current = forms.field(form, "current")
        if not await asyncio.to_thread(check_password, record.password_hash, current):
            raise BadRequest("Your current password is not right.")
        password = forms.field(form, "password")
        forms.check_new_password(password, forms.field(form, "password2"))
    except HubError as exc:
        return render(
            request, "admin/account.html", status=exc.status, staff=member,
            error=forms.message(request, exc.message),
        )
    password_hash = await asyncio.to_thread(hash_password, password)
    await app[keys.STORE].write(staff.set_password(member.staff_id, password_hash))
    app[keys.SESSIONS].forget(member.staff_id)
    # Every session of this account closed, this one too: sign in again with the new password.
    response = redirect(LOGIN_PATH, "password")
    response.del_cookie(STAFF_COOKIE, path=COOKIE_PATH)
    raise response
