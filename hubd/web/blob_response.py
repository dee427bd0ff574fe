"""A video or audio file, or the part of it a player asks for, sent straight from the blob store.

When a learner seeks, the player asks for the next piece of the film (a Range request), and a
classroom of players asks all the time. aiohttp's FileResponse sends each piece well but hands
the stat, the open and the close to a thread, and on a busy two-core hub those hand-offs cost
more than sending the megabyte itself. A blob is a regular file on the hub's own disk: opening
it and asking its size take microseconds, so here that is done right on the event loop, then
the kernel sends the bytes (sendfile).

Only plain reads come here: a GET with at most one byte range and no conditions (If-Range,
If-None-Match and the like); the rest keeps going through FileResponse, which answers them. The
ETag and Last-Modified given here are the ones FileResponse checks, so a browser's conditional
request later is judged against the same values.
"""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from stat import S_ISREG

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

_CONDITIONS = ("If-Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since")


def is_plain_read(request: web.Request) -> bool:
    """A GET this module answers: no conditions for FileResponse to weigh."""
    return request.method == "GET" and not any(name in request.headers for name in _CONDITIONS)


def blob_response(request: web.Request, blob: Path, headers: dict[str, str]) -> web.StreamResponse:
    """The whole blob (200) or the one range asked for (206); 416 for a range outside it.

    Raises OSError when the blob cannot be opened (the caller says the file is missing).
    """
    file = os.open(blob, os.O_RDONLY | os.O_CLOEXEC)  # closed by BlobResponse once sent
    try:
        stat = os.fstat(file)
        if not S_ISREG(stat.st_mode):
            raise IsADirectoryError(f"{blob} is not a regular file")
        size = stat.st_size
        offset, count, status = 0, size, 200
        try:
            wanted = request.http_range
        except ValueError:  # several ranges, or nonsense: none of it can be sent
            raise _not_satisfiable(size) from None
        if wanted.start is not None:
            start, end = wanted.start, wanted.stop
            if start < 0 and end is None:  # "bytes=-500": the last 500 bytes
                start = max(0, size + start)
                count = size - start
            else:
                count = min(size if end is None else end, size) - start
            if start >= size:
                raise _not_satisfiable(size)
            offset, status = start, 206
            headers["Content-Range"] = f"bytes {start}-{start + count - 1}/{size}"
        response = BlobResponse(file, offset, count, status=status, headers=headers)
    except BaseException:
        os.close(file)
        raise
    # The validators FileResponse uses, so that its answers to conditional requests agree.
    response.etag = f"{stat.st_mtime_ns:x}-{size:x}"
    response.last_modified = stat.st_mtime
    response.content_length = count
    response.headers["Accept-Ranges"] = "bytes"
    return response


def _not_satisfiable(size: int) -> web.HTTPRequestRangeNotSatisfiable:
    return web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})


class BlobResponse(web.StreamResponse):
    """Headers, then `count` bytes of an open file from `offset` by sendfile; closes the file.

    The bytes go straight to the socket while it takes them, which for a player's piece of
    a film is usually all of it at once; only if the socket is full does the rest go through
    the event loop's sendfile, which waits for the socket as often as needed.
    """

    def __init__(
        self, file: int, offset: int, count: int, *, status: int, headers: dict[str, str]
    ) -> None:
        super().__init__(status=status, headers=headers)
        self._file = file
        self._offset = offset
        self._count = count

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        if self.prepared:
            return await super().prepare(request)
        try:
            writer = await super().prepare(request)
            if self._count:
                await self._send(request)
                await super().write_eof()
            return writer
        finally:
            os.close(self._file)

    async def _send(self, request: web.BaseRequest) -> None:
        transport = request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("Connection lost")
        offset, count = self._offset, self._count
        sock = transport.get_extra_info("socket")
        # Straight to the socket only when nothing is waiting in the transport (the headers
        # left already) and nothing encrypts on the way (the hub serves plain HTTP).
        if (
            sock is not None
            and transport.get_extra_info("sslcontext") is None
            and transport.get_write_buffer_size() == 0
        ):
            offset, count = _send_what_fits(sock.fileno(), self._file, offset, count)
        if count:
            with io.FileIO(self._file, "rb", closefd=False) as file:
                await asyncio.get_running_loop().sendfile(transport, file, offset, count)


def _send_what_fits(sock: int, file: int, offset: int, count: int) -> tuple[int, int]:
    """Send from the file until the socket is full; the offset and count still to send."""
    while count:
        try:
            sent = os.sendfile(sock, file, offset, count)
        except (BlockingIOError, InterruptedError):
            break
        if sent == 0:  # the file is shorter than it was a moment ago
            raise ConnectionResetError("The file ended before its end")
        offset += sent
        count -= sent
    return offset, count
