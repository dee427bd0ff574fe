"""One place that turns errors into responses: JSON under /api, a friendly page elsewhere."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from hubd.errors import HubError
from hubd.web.i18n import N_
from hubd.web.render import render_html, translate

_LOGGER = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_MESSAGES = {
    400: ("bad_request", N_("The request could not be understood.")),
    401: ("unauthorized", N_("Please sign in first.")),
    403: ("forbidden", N_("You are not allowed to do that.")),
    404: ("not_found", N_("There is nothing here. Go back to the list of courses.")),
    405: ("method_not_allowed", N_("That action is not possible here.")),
    413: ("too_large", N_("What was sent is too large for the hub.")),
    416: ("range_not_satisfiable", N_("That part of the file does not exist.")),
}


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def render_error(request: web.Request, status: int, code: str, message: str) -> web.Response:
    """The one error shape: {"error": {"code", "message"}} for the API, a page otherwise."""
    if wants_json(request):
        return web.json_response({"error": {"code": code, "message": message}}, status=status)
    try:
        html = render_html(
            request, "error.html", status=status, message=translate(request, message)
        )
    except Exception:  # the error page itself must never fail
        _LOGGER.exception("Could not render the error page")
        return web.Response(text=message, status=status, content_type="text/plain")
    return web.Response(text=html, status=status, content_type="text/html")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HubError as exc:
        if exc.status >= 500:
            _LOGGER.error(
                "%s %s failed: %s (%s)", request.method, request.path, exc.message, exc.code
            )
        else:
            _LOGGER.info(
                "%s %s refused: %s (%s)", request.method, request.path, exc.message, exc.code
            )
        return render_error(request, exc.status, exc.code, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, message = _HTTP_MESSAGES.get(exc.status, ("http_error", exc.reason))
        response = render_error(request, exc.status, code, message)
        for name in ("Allow", "Content-Range"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception:
        _LOGGER.exception("Unexpected error on %s %s", request.method, request.path)
        return render_error(
            request, 500, "internal", N_("Something went wrong on the hub. Please try again.")
        )
