"""Signing in the way a child can: group, then name, then PIN or pictures; "Not me"."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re

from aiohttp import web

from hubd.auth.hashing import check_learner_secret
from hubd.errors import NotFound
from hubd.storage import learning
from hubd.web import keys
from hubd.web.cookies import request_cookie
from hubd.web.csrf import check_csrf, posted_form
from hubd.web.learn.identity import PICTURES, client_address, signed_in_learner
from hubd.web.render import render, render_kept, translate
from hubd.web.sessions import LEARNER_COOKIE, set_session_cookie

_LOGGER = logging.getLogger(__name__)
routes = web.RouteTableDef()
_PIN_RE = re.compile(r"^[0-9]{4}$")


@routes.get("/signin")
async def choose_group(request: web.Request) -> web.Response:
    async with request.app[keys.STORE].quick_reader() as db:
        groups = await learning.sign_in_groups(db)
    return render(
        request, "learn/signin_groups.html", groups=groups, learner=await signed_in_learner(request)
    )


@routes.get("/signin/{group_id}")
async def choose_name(request: web.Request) -> web.Response:
    group_id = request.match_info["group_id"]
    typed = request.query.get("name", "").strip()[:100]
    async with request.app[keys.STORE].quick_reader() as db:
        name = await learning.group_name(db, group_id)
        learners = await learning.group_learners(db, group_id) if name else []
    if name is None:
        raise NotFound("There is no such group on this hub.")
    if typed:
        folded = typed.casefold()
        learners = [item for item in learners if folded in item.display_name.casefold()]
    # A class's list of names is the same for every child who looks at it, and long.
    return render_kept(
        request,
        "learn/signin_names.html",
        (group_id, name, typed, tuple(learners)),
        group_id=group_id,
        group_name=name,
        learners=learners,
        typed=typed,
        learner=None,
    )


async def _record(request: web.Request) -> learning.SignInRecord:
    async with request.app[keys.STORE].quick_reader() as db:
        record = await learning.sign_in_record(
            db, request.match_info["group_id"], request.match_info["learner_id"]
        )
    if record is None:
        raise NotFound("There is no such learner in this group.")
    return record


def _form(
    request: web.Request, record: learning.SignInRecord, *, status: int = 200, error: str = ""
) -> web.Response:
    return render(
        request,
        "learn/signin_secret.html",
        status=status,
        record=record,
        pictures=PICTURES,
        error=error,
        learner=None,
    )


@routes.get("/signin/{group_id}/{learner_id}")
async def secret_form(request: web.Request) -> web.Response:
    record = await _record(request)
    if record.locked:
        return _locked(request, record)
    return _form(request, record)


def _locked(request: web.Request, record: learning.SignInRecord) -> web.Response:
    return _form(
        request,
        record,
        status=423,
        error=translate(request, "Too many wrong tries. Ask your teacher to unlock your sign-in."),
    )


@routes.post("/signin/{group_id}/{learner_id}")
async def sign_in(request: web.Request) -> web.Response:
    form = await posted_form(request)
    check_csrf(request, form)
    record = await _record(request)
    if record.locked:
        return _locked(request, record)
    limiter = request.app[keys.SIGNIN_LIMITER]
    client = client_address(request)
    wait = limiter.wait_seconds(client)
    if wait > 0:
        seconds = math.ceil(wait)
        response = _form(
            request,
            record,
            status=429,
            error=translate(
                request, "Please wait %(seconds)d seconds, then try again.", seconds=seconds
            ),
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    # argon2id takes tens of milliseconds of CPU on a Pi; in a thread (argon2 releases the GIL)
    # a class signing in at once does not freeze every other learner's page meanwhile.
    if not await asyncio.to_thread(_secret_matches, record, form):
        limiter.failed(client)
        locked = await request.app[keys.STORE].write(
            learning.record_failed_sign_in(record.learner_id)
        )
        _LOGGER.info("Wrong sign-in for learner %s from %s", record.learner_id, client)
        if locked:
            _LOGGER.warning("Learner %s is locked after repeated wrong sign-ins", record.learner_id)
            return _locked(request, record)
        if record.sign_in == "pin":
            message = translate(request, "That PIN is not right. Try again.")
        else:
            message = translate(request, "Those pictures are not right. Try again.")
        return _form(request, record, status=401, error=message)
    limiter.succeeded(client)
    app = request.app
    token = await app[keys.STORE].write(
        learning.record_sign_in(record.learner_id, app[keys.CLOCK].now(app[keys.DEPS].wall_ms()))
    )
    response = web.HTTPSeeOther("/")
    set_session_cookie(response, LEARNER_COOKIE, token)
    raise response


def _secret_matches(record: learning.SignInRecord, form: object) -> bool:
    assert hasattr(form, "get")
    if record.sign_in == "none":
        return True
    if record.sign_in == "pin":
        pin = form.get("pin")
        return (
            isinstance(pin, str)
            and bool(_PIN_RE.match(pin))
            and record.pin_hash is not None
            and check_learner_secret(record.pin_hash, pin)
        )
    first, second = form.get("picture1"), form.get("picture2")
    return (
        isinstance(first, str)
        and isinstance(second, str)
        and first in PICTURES
        and second in PICTURES
        and record.picture_hash is not None
        and check_learner_secret(record.picture_hash, f"{first} {second}")
    )


@routes.post("/signout")
async def sign_out(request: web.Request) -> web.Response:
    """ "Not me": the next child on a shared tablet starts from the groups."""
    form = await posted_form(request)
    check_csrf(request, form)
    token = request_cookie(request, LEARNER_COOKIE)
    if token:
        learner = await signed_in_learner(request)
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        await request.app[keys.STORE].write(learning.end_session(token_hash))
        if learner is not None:
            request.app[keys.SESSIONS].forget(learner.learner_id)
    response = web.HTTPSeeOther("/signin")
    response.del_cookie(LEARNER_COOKIE, path="/")
    raise response
