"""What pages make from a course's files (rendered lesson text, parsed quizzes), kept by hash.

A classroom opens the same few lessons over and over; reading the file again (a hand-off to a
thread) and rendering its Markdown or parsing its quiz each time cost more than the rest of the
page. Course files are stored by sha256 and never change under it, so a value made from one
stays right for as long as it is kept; a new course version names new files.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from hubd.errors import NotFound
from hubd.storage import catalogue
from hubd.web import keys

T = TypeVar("T")

_MAX_ENTRIES = 128
_MAX_FILE_BYTES = 256 * 1024  # bigger files are made each time rather than kept in memory
# (what was made, sha256) -> value. Shared by every app in the process, which is safe because
# the key is the content itself; the values are immutable (str, tuples of frozen dataclasses).
_made: OrderedDict[tuple[str, str], Any] = OrderedDict()


async def from_course_file(
    request: web.Request, course_id: str, path: str, what: str, make: Callable[[bytes], T]
) -> T:
    """`make(file bytes)` for a course file, kept by the file's hash under the name `what`."""
    async with request.app[keys.STORE].quick_reader() as db:
        found = await catalogue.find_file(db, course_id, path)
    if found is None:
        raise NotFound("This lesson's file is missing from the hub.")
    key = (what, found.sha256)
    if key in _made:
        _made.move_to_end(key)
        kept: T = _made[key]
        return kept
    data = await asyncio.to_thread(request.app[keys.BLOBS].path_for(found.sha256).read_bytes)
    value = make(data)
    if len(data) <= _MAX_FILE_BYTES:
        _made[key] = value
        if len(_made) > _MAX_ENTRIES:
            _made.popitem(last=False)
    return value
