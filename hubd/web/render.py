"""Rendering a page in its reader's language."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import jinja2
from aiohttp import web

from hubd.web import keys
from hubd.web.cookies import request_cookie
from hubd.web.csrf import csrf_token, remember_csrf
from hubd.web.i18n import LANGUAGE_COOKIE, LANGUAGES, negotiate
from hubd.web.template_language import language_environment

ONE_YEAR = 365 * 24 * 3600
_KEPT_PAGES = 64


def page_language(request: web.Request) -> str:
    """The interface language for this request."""
    return negotiate(
        request.query.get("lang"),
        request_cookie(request, LANGUAGE_COOKIE) or None,
        request.headers.get("Accept-Language"),
        request.app[keys.CONFIG].hub.default_language,
    )


def render_html(request: web.Request, template: str, *, status: int = 200, **context: Any) -> str:
    lang = page_language(request)
    env = _environment(request.app, lang)
    context.setdefault("learner", None)
    return env.get_template(template).render(
        request=request,
        page_lang=lang,
        page_dir=LANGUAGES[lang].direction,
        languages=LANGUAGES.values(),
        csrf_token=csrf_token(request),
        **request.app[keys.CATALOGUES].template_functions(lang),
        **context,
    )


def _environment(app: web.Application, lang: str) -> jinja2.Environment:
    """The templates compiled for one language (hubd/web/template_language.py)."""
    by_language = app[keys.TEMPLATES_BY_LANGUAGE]
    env = by_language.get(lang)
    if env is None:
        env = by_language[lang] = language_environment(
            app[keys.TEMPLATES], app[keys.CATALOGUES].get(lang)
        )
    return env


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """A page in the reader's language; choosing a language (?lang=) is remembered."""
    return _respond(request, render_html(request, template, **context), status)


def render_kept(request: web.Request, template: str, key: Hashable, **context: Any) -> web.Response:
    """`render` for a page that everyone sees alike (no learner, no form token in it): kept by
    template, language and `key`, which must hold everything the context depends on."""
    kept = request.app[keys.RENDERED]
    full_key = (template, page_language(request), key)
    html = kept.get(full_key)
    if html is None:
        html = kept[full_key] = render_html(request, template, **context)
        if len(kept) > _KEPT_PAGES:
            kept.pop(next(iter(kept)))  # the oldest
    else:
        csrf_token(request)  # as a rendered page would: a new browser gets its token now
    return _respond(request, html, 200)


def _respond(request: web.Request, html: str, status: int) -> web.Response:
    response = web.Response(text=html, status=status, content_type="text/html")
    remember_csrf(request, response)
    chosen = request.query.get("lang")
    if (
        chosen is not None
        and chosen in LANGUAGES
        and chosen != request_cookie(request, LANGUAGE_COOKIE)
    ):
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=ONE_YEAR, samesite="Lax", path="/")
    return response


def translate(request: web.Request, message: str, **variables: Any) -> str:
    """A message from Python code in the reader's language."""
    text = request.app[keys.CATALOGUES].get(page_language(request)).gettext(message)
    return text % variables if variables else text
