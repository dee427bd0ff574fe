"""Reading the admin pages' forms: CSRF first, then fields with clear messages."""

from __future__ import annotations

import unicodedata

from aiohttp import web

from hubd.errors import BadRequest
from hubd.roster.csv_import import clean_name
from hubd.web import keys
from hubd.web.csrf import Form, check_csrf, posted_form
from hubd.web.render import translate

MIN_PASSWORD = 8


async def read_form(request: web.Request) -> Form:
    """The posted form, once its CSRF token has been checked."""
    form = await posted_form(request)
    check_csrf(request, form)
    return form


def field(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def fields(form: Form, name: str) -> list[str]:
    return [v for v in form.getall(name, []) if isinstance(v, str)]


def name_field(form: Form, name: str, *, limit: int = 80) -> str:
    """A person's or group's name: required, cleaned, not too long."""
    value = clean_name(field(form, name))
    if not value:
        raise BadRequest("Please type a name.")
    if len(value) > limit:
        raise BadRequest("That name is too long.")
    return value


def check_new_password(password: str, repeated: str) -> None:
    """A new staff password: long enough, typed the same twice."""
    if len(password) < MIN_PASSWORD:
        raise BadRequest("The password must have at least 8 characters.")
    if len(password) > 200:
        raise BadRequest("That password is too long.")
    if password != repeated:
        raise BadRequest("The two passwords are not the same.")


def username_field(form: Form) -> str:
    value = unicodedata.normalize("NFC", field(form, "username")).strip()
    if not 2 <= len(value) <= 40 or any(ch.isspace() for ch in value):
        raise BadRequest("A username has 2 to 40 letters or digits, without spaces.")
    return value


def now_hlc(request: web.Request) -> int:
    """A fresh hybrid clock time for a write."""
    app = request.app
    return app[keys.CLOCK].now(app[keys.DEPS].wall_ms())


def message(request: web.Request, text: str, **variables: object) -> str:
    """Text for the reader, in their language."""
    return translate(request, text, **variables)
