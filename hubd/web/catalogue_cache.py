"""What pages read about installed courses, kept until the catalogue changes.

Every lesson page needs its course and the course's lessons; every search in a classroom is
one of a few words. None of it depends on the learner, and it changes only when a course is
installed or removed, which the catalogue's version (one small query) tells. Searches matter
most: they run on a reader thread, and on a busy hub the hand-off to that thread and back
costs far more than the search itself.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from hubd.content.package import Lesson
from hubd.storage import catalogue
from hubd.storage.reads import ReadConnection
from hubd.storage.store import Store

_MAX_COURSES = 512
_MAX_SEARCHES = 512


@dataclass(frozen=True, slots=True)
class CourseOutline:
    course: catalogue.CourseSummary
    lessons: tuple[Lesson, ...]


class CatalogueCache:
    """Courses, course outlines and search results of one catalogue version."""

    def __init__(self) -> None:
        self._version: tuple[int, ...] | None = None
        self._courses: list[catalogue.CourseSummary] | None = None
        self._outlines: dict[str, CourseOutline] = {}
        self._searches: OrderedDict[tuple[str, str | None], list[catalogue.SearchHit]] = (
            OrderedDict()
        )

    async def refresh(self, db: ReadConnection) -> None:
        """Forget everything if a course was installed or removed since the last look."""
        version = await catalogue.catalogue_version(db)
        if version != self._version:
            self._version = version
            self._courses = None
            self._outlines.clear()
            self._searches.clear()

    async def courses(self, db: ReadConnection) -> list[catalogue.CourseSummary]:
        """Installed courses, by title (call `refresh` first in the request)."""
        if self._courses is None:
            self._courses = await catalogue.list_courses(db)
        return self._courses

    async def outline(self, db: ReadConnection, course_id: str) -> CourseOutline | None:
        """A course and its lessons in order, or None (call `refresh` first in the request)."""
        found = self._outlines.get(course_id)
        if found is not None:
            return found
        course = await catalogue.get_course(db, course_id)
        if course is None:
            return None  # not kept: made-up ids must not fill the memory
        found = CourseOutline(course, tuple(await catalogue.course_lessons(db, course_id)))
        if len(self._outlines) >= _MAX_COURSES:
            self._outlines.clear()
        self._outlines[course_id] = found
        return found

    async def search(
        self, store: Store, text: str, language: str | None
    ) -> list[catalogue.SearchHit]:
        """Courses and lessons matching a search (call `refresh` first in the request)."""
        key = (text, language)
        hits = self._searches.get(key)
        if hits is not None:
            self._searches.move_to_end(key)
            return hits
        version = self._version
        async with store.reader() as db:
            hits = await catalogue.search(db, text, language=language)
        # Kept only if no course came or went meanwhile (another request would have seen it).
        if version == self._version:
            self._searches[key] = hits
            if len(self._searches) > _MAX_SEARCHES:
                self._searches.popitem(last=False)
        return hits
