"""The hub's own PDF viewer: pdf.js from the hub (no CDN), labels in the learner's language.

Android's Chrome has no PDF plugin, so a worksheet linked as a plain file only downloads. This
page draws it with pdf.js (webui/static/pdf-viewer.js) and, without JavaScript or on a browser
too old for modules, still offers the download.

The hub's usual Content-Security-Policy (hubd/web/app.py) is enough, so this page gets no
exception: the module and its worker come from 'self', the PDF is fetched from 'self', eval is
turned off in pdf.js, and embedded fonts are handed to the browser as bytes (FontFace), not
fetched. The one thing that needs 'wasm-unsafe-eval', pdf.js's JPEG 2000 decoder, runs inside
the worker, which takes its policy from its own response (a static file, no CSP), not from here.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import PurePosixPath
from typing import NamedTuple

from aiohttp import web

from hubd.content.package import check_path
from hubd.errors import CoursePackageError, NotFound
from hubd.storage import catalogue
from hubd.web import keys
from hubd.web.learn.catalogue import text_direction
from hubd.web.render import render

routes = web.RouteTableDef()

VIEWER_PATH = "/pdf-viewer"
WORKER_URL = "/static/vendor/pdfjs/pdf.worker.min.mjs"
# Only a course file named by its plain path: no scheme, host, query, percent-escapes or "..",
# so the viewer can never be pointed at another site or outside the course files.
_CONTENT_RE = re.compile(r"/content/([a-z0-9][a-z0-9-]{0,62})/([A-Za-z0-9._/-]{1,1000})")

# Browsers run module scripts only when served as JavaScript; Python knows ".mjs" only from the
# system's mime.types (3.12 added it), which a minimal image may lack.
mimetypes.add_type("text/javascript", ".mjs")


class CoursePdf(NamedTuple):
    course_id: str
    path: str

    @property
    def url(self) -> str:
        return f"/content/{self.course_id}/{self.path}"


def course_pdf(file: str | None) -> CoursePdf | None:
    """The course PDF a `file` parameter names, or None for anything else."""
    match = _CONTENT_RE.fullmatch(file or "")
    if match is None:
        return None
    course_id, path = match.groups()
    try:
        check_path(path)
    except CoursePackageError:
        return None
    if PurePosixPath(path).suffix.lower() != ".pdf":
        return None
    return CoursePdf(course_id, path)


@routes.get(VIEWER_PATH)
async def pdf_viewer(request: web.Request) -> web.Response:
    wanted = course_pdf(request.query.get("file"))
    if wanted is None:
        raise NotFound("There is no such PDF on this hub.")
    cache = request.app[keys.CATALOGUE_CACHE]
    async with request.app[keys.STORE].quick_reader() as db:
        await cache.refresh(db)
        found = await catalogue.find_file(db, wanted.course_id, wanted.path)
        outline = await cache.outline(db, wanted.course_id)
    if found is None or outline is None:
        raise NotFound("There is no such PDF on this hub.")
    course, lessons = outline.course, outline.lessons
    title = next(
        (lesson.title for lesson in lessons if lesson.file == wanted.path),
        PurePosixPath(wanted.path).name,
    )
    return render(
        request,
        "learn/pdf_viewer.html",
        title=title,
        course=course,
        file_url=wanted.url,
        worker_url=WORKER_URL,
        dir=text_direction(course.language),
    )
