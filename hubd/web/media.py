"""Course files: served from the blob store with HTTP Range and sendfile.

Small files a classroom asks for again and again (captions, lesson text, quiz files) are kept
in memory by their sha256 and answered without opening a file in a thread; a Range request
and anything large goes through sendfile (hubd/web/blob_response.py, or aiohttp's
FileResponse for conditional requests).
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections import OrderedDict
from pathlib import PurePosixPath

from aiohttp import web

from hubd.content.package import check_path
from hubd.errors import CoursePackageError, NotFound
from hubd.storage import catalogue
from hubd.web import keys
from hubd.web.blob_response import blob_response, is_plain_read

_LOGGER = logging.getLogger(__name__)
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
_SMALL_FILE_BYTES = 64 * 1024
_KEPT_BYTES = 8 * 1024 * 1024
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
    if found.size > _SMALL_FILE_BYTES or "Range" in request.headers:
        if not is_plain_read(request):
            return web.FileResponse(blob, headers=headers)
        try:
            return blob_response(request, blob, headers)
        except OSError:
            _LOGGER.error("Course file %s of %s is missing from the blob store", path, course_id)
            raise NotFound("This lesson's file is missing from the hub.") from None
    # The content's hash is the perfect validator: the same path in a new version is a new blob.
    headers["ETag"] = f'"{found.sha256}"'
    headers["Accept-Ranges"] = "bytes"
    if headers["ETag"] in request.headers.get("If-None-Match", ""):
        del headers["Content-Type"]
        return web.Response(status=304, headers=headers)
    body = _kept.get(found.sha256)
    if body is None:
        try:
            body = await asyncio.to_thread(blob.read_bytes)
        except OSError:
            _LOGGER.error("Course file %s of %s is missing from the blob store", path, course_id)
            raise NotFound("This lesson's file is missing from the hub.") from None
        _kept.put(found.sha256, body)
    return web.Response(body=body, headers=headers)


class KeptFiles:
    """Bytes of small course files by sha256, least recently used dropped past a byte budget."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._size = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()

    def get(self, sha256: str) -> bytes | None:
        body = self._entries.get(sha256)
        if body is not None:
            self._entries.move_to_end(sha256)
        return body

    def put(self, sha256: str, body: bytes) -> None:
        if sha256 in self._entries:
            return
        self._entries[sha256] = body
        self._size += len(body)
        while self._size > self._budget:
            _, dropped = self._entries.popitem(last=False)
            self._size -= len(dropped)


# Shared by every app in the process, which is safe because the key is the content itself.
_kept = KeptFiles(_KEPT_BYTES)
