"""Course files: served from the blob store with HTTP Range and sendfile."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from aiohttp import web

from hubd.content.package import check_path
from hubd.errors import CoursePackageError, NotFound
from hubd.storage import catalogue
from hubd.web import keys

routes = web.RouteTableDef()

_TYPES = {
    ".md": "text/markdown; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".webm": "video/webm",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".json": "application/json",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
}
# Documents that can run script: they only ever run sandboxed, in an opaque origin, so lesson
# code cannot read the hub's cookies or call its API even when opened outside the iframe.
_ACTIVE = {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml"}


def content_type(path: str) -> str:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


@routes.get("/content/{course_id}/{path:.+}")
async def course_file(request: web.Request) -> web.StreamResponse:
    course_id = request.match_info["course_id"]
    path = request.match_info["path"]
    try:
        check_path(path)
    except CoursePackageError:
        raise NotFound("There is no such file in this course.") from None
    async with request.app[keys.STORE].quick_reader() as db:
        found = await catalogue.find_file(db, course_id, path)
    if found is None:
        raise NotFound("There is no such file in this course.")
    blob = request.app[keys.BLOBS].path_for(found.sha256)
    ctype = content_type(path)
    headers = {
        "Content-Type": ctype,
        "X-Content-Type-Options": "nosniff",
        # Blobs never change; a new course version may point a path at another blob.
        "Cache-Control": "public, max-age=3600",
    }
    if ctype.split(";")[0] in _ACTIVE:
        headers["Content-Security-Policy"] = "sandbox allow-scripts"
    return web.FileResponse(blob, headers=headers)
