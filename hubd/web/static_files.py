"""The hub's own CSS, JS and vendored pdf.js, served from memory.

There are few of them (about 2 MB) and every page asks for some, so they are read once at
start-up instead of opening a file in a thread for each request. Pages link them with
`static_url(name)`, which adds a hash of the content (`?v=`): a browser may keep such a URL for
a year without asking again, and a new release of a file gets a new URL. A plain `/static/name`
(admin pages, pdf.js importing its own modules) still works, revalidated with an ETag.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

_LOGGER = logging.getLogger(__name__)

PREFIX = "/static/"
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"
_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    version: str  # the start of the content's sha256
    content_type: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def _content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    if path.name == "LICENSE":
        return "text/plain; charset=utf-8"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class StaticFiles:
    """Every file under a folder, in memory, by its path relative to that folder."""

    def __init__(self, root: Path) -> None:
        self._files: dict[str, StaticFile] = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            body = path.read_bytes()
            version = hashlib.sha256(body).hexdigest()[:16]
            name = path.relative_to(root).as_posix()
            self._files[name] = StaticFile(body, version, _content_type(path))
        _LOGGER.debug("%d static files in memory from %s", len(self._files), root)

    def get(self, name: str) -> StaticFile | None:
        return self._files.get(name)

    def url(self, name: str) -> str:
        """The versioned URL of a file, for pages; an unknown name is a mistake in a template."""
        found = self._files.get(name)
        if found is None:
            raise KeyError(f"no static file {name!r}")
        return f"{PREFIX}{name}?v={found.version}"

    def response(
        self, name: str, version: str | None, headers: CIMultiDictProxy[str]
    ) -> web.Response:
        """The answer to GET /static/<name>: the file, or 304 when the browser has it."""
        found = self._files.get(name)
        if found is None:
            raise web.HTTPNotFound()  # the error middleware says it in the reader's language
        answer = CIMultiDict(
            {
                "ETag": found.etag,
                # Only the URL of the current content may be kept forever; an old ?v= (a page
                # cached before an upgrade) gets today's file, revalidated next time.
                "Cache-Control": _IMMUTABLE if version == found.version else _REVALIDATE,
            }
        )
        if found.etag in _etags(headers.get("If-None-Match", "")):
            return web.Response(status=304, headers=answer)
        answer["Content-Type"] = found.content_type
        return web.Response(body=found.body, headers=answer)


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",")] if header else []


def install(app: web.Application, files: StaticFiles) -> None:
    """Route GET /static/<path> to the files in memory."""

    async def static_file(request: web.Request) -> web.Response:
        return files.response(request.match_info["path"], request.query.get("v"), request.headers)

    app.router.add_get(PREFIX + "{path:.+}", static_file, name="static")
