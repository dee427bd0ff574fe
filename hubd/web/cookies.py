"""Reading the hub's own cookies from a request, cheaply.

aiohttp's `request.cookies` builds an `http.cookies.Morsel` for every cookie the browser sends,
which on a busy hub costs more than the session lookup it serves. The hub's cookies are plain
tokens and language codes, so an ordinary header is split directly; anything quoted or escaped
still goes through aiohttp's parser, so the meaning never differs.
"""

from __future__ import annotations

from aiohttp import web

_PARSED = web.RequestKey("hub_cookies", dict)


def request_cookie(request: web.Request, name: str, default: str = "") -> str:
    """The value of cookie `name` in this request (the last one, as aiohttp reads it)."""
    parsed: dict[str, str] | None = request.get(_PARSED)
    if parsed is None:
        parsed = request[_PARSED] = _parse(request)
    return parsed.get(name, default)


def _parse(request: web.Request) -> dict[str, str]:
    header = request.headers.get("Cookie", "")
    if not header:
        return {}
    if '"' in header or "\\" in header:
        return dict(request.cookies)
    parsed: dict[str, str] = {}
    for pair in header.split(";"):
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or " " in key or "\t" in key:
            return dict(request.cookies)  # unusual: let aiohttp decide what it means
        if key:
            parsed[key] = value.strip()
    return parsed
