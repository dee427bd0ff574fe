"""The course catalogue: installing a course version in one transaction, and reading it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hubd.bundle import check_sequence
from hubd.content.package import CourseManifest, Lesson
from hubd.content.search_text import fold, fts_query
from hubd.storage.reads import ReadConnection, fetch_all, fetch_one


@dataclass(frozen=True, slots=True)
class InstalledFile:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class SearchText:
    lesson_id: str | None  # None: the course itself
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class InstallOutcome:
    course_id: str
    version: int
    previous_version: int | None
    orphaned_blobs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CourseSummary:
    course_id: str
    version: int
    language: str
    title: str
    description: str
    subject: str | None
    lesson_count: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    course_id: str
    course_title: str
    lesson_id: str | None
    title: str
    language: str
    kind: str | None  # the lesson's kind; None for the course itself


@dataclass(frozen=True, slots=True)
class BundleSequence:
    issuer: str
    kind: str
    sequence: int


def accept_bundle_sequence(conn: sqlite3.Connection, bundle: BundleSequence) -> None:
    """Refuse a replayed, older or implausible bundle; remember this one. Inside the caller's
    transaction, so the number is kept exactly when the bundle is applied."""
    row = conn.execute(
        "SELECT last_seq FROM bundle_sequences WHERE issuer = ? AND kind = ?",
        (bundle.issuer, bundle.kind),
    ).fetchone()
    check_sequence(None if row is None else int(row[0]), bundle.sequence)
    conn.execute(
        "INSERT INTO bundle_sequences (issuer, kind, last_seq) VALUES (?, ?, ?)"
        " ON CONFLICT (issuer, kind) DO UPDATE SET last_seq = excluded.last_seq",
        (bundle.issuer, bundle.kind, bundle.sequence),
    )


class OlderVersion(Exception):
    """The hub already has this version of the course or a newer one."""

    def __init__(self, installed: int) -> None:
        super().__init__(installed)
        self.installed = installed


def install_course(
    manifest: CourseManifest,
    files: Sequence[InstalledFile],
    texts: Sequence[SearchText],
    hlc: int,
    *,
    reinstall: bool = False,
    bundle: BundleSequence | None = None,
) -> Callable[[sqlite3.Connection], InstallOutcome]:
    """A write function: make a course version visible, replacing the old one, all at once.

    When the course came in a bundle, the bundle's sequence number is checked and kept in the
    same transaction, so a replayed or older bundle is refused and nothing of it is applied.
    """

    def write(conn: sqlite3.Connection) -> InstallOutcome:
        if bundle is not None:
            accept_bundle_sequence(conn, bundle)
        row = conn.execute(
            "SELECT version FROM courses WHERE course_id = ?", (manifest.course_id,)
        ).fetchone()
        previous = None if row is None else int(row[0])
        if previous is not None and previous >= manifest.version and not reinstall:
            raise OlderVersion(previous)
        old_blobs = {
            str(r[0])
            for r in conn.execute(
                "SELECT sha256 FROM course_files WHERE course_id = ?", (manifest.course_id,)
            )
        }
        conn.execute("DELETE FROM courses WHERE course_id = ?", (manifest.course_id,))
        conn.execute("DELETE FROM search_index WHERE course_id = ?", (manifest.course_id,))
        conn.execute(
            "INSERT INTO courses (course_id, version, language, title, description, subject,"
            " manifest, installed_hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                manifest.course_id,
                manifest.version,
                manifest.language,
                manifest.title,
                manifest.description,
                manifest.subject,
                manifest.raw,
                hlc,
            ),
        )
        conn.executemany(
            "INSERT INTO blobs (sha256, size) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(f.sha256, f.size) for f in files],
        )
        conn.executemany(
            "INSERT INTO course_files (course_id, path, sha256, size) VALUES (?, ?, ?, ?)",
            [(manifest.course_id, f.path, f.sha256, f.size) for f in files],
        )
        conn.executemany(
            "INSERT INTO lessons (course_id, lesson_id, module_id, module_title, position, kind,"
            " title, file, captions, duration_seconds, assessment)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_lesson_row(manifest.course_id, lesson) for lesson in manifest.lessons],
        )
        conn.executemany(
            "INSERT INTO search_index (course_id, lesson_id, language, title, body)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (
                    manifest.course_id,
                    t.lesson_id or "",
                    manifest.language,
                    fold(t.title),
                    fold(t.body),
                )
                for t in texts
            ],
        )
        new_blobs = {f.sha256 for f in files}
        orphaned = _unreferenced(conn, old_blobs - new_blobs)
        return InstallOutcome(manifest.course_id, manifest.version, previous, orphaned)

    return write


def _unreferenced(conn: sqlite3.Connection, candidates: set[str]) -> tuple[str, ...]:
    orphaned: list[str] = []
    for sha in sorted(candidates):
        used = conn.execute(
            "SELECT 1 FROM course_files WHERE sha256 = ? LIMIT 1", (sha,)
        ).fetchone()
        if used is None:
            conn.execute("DELETE FROM blobs WHERE sha256 = ?", (sha,))
            orphaned.append(sha)
    return tuple(orphaned)


def _lesson_row(course_id: str, lesson: Lesson) -> tuple[object, ...]:
    return (
        course_id,
        lesson.lesson_id,
        lesson.module_id,
        lesson.module_title,
        lesson.position,
        lesson.kind,
        lesson.title,
        lesson.file,
        lesson.captions,
        lesson.duration_seconds,
        lesson.assessment,
    )


def remove_course(course_id: str) -> Callable[[sqlite3.Connection], tuple[str, ...]]:
    """A write function: uninstall a course; returns the blobs nothing uses any more."""

    def write(conn: sqlite3.Connection) -> tuple[str, ...]:
        blobs = {
            str(r[0])
            for r in conn.execute(
                "SELECT sha256 FROM course_files WHERE course_id = ?", (course_id,)
            )
        }
        conn.execute("DELETE FROM courses WHERE course_id = ?", (course_id,))
        conn.execute("DELETE FROM search_index WHERE course_id = ?", (course_id,))
        return _unreferenced(conn, blobs)

    return write


async def list_courses(db: ReadConnection) -> list[CourseSummary]:
    """Installed courses, by title."""
    rows = await fetch_all(
        db,
        "SELECT c.course_id, c.version, c.language, c.title, c.description, c.subject,"
        " (SELECT count(*) FROM lessons l WHERE l.course_id = c.course_id)"
        " FROM courses c ORDER BY c.title COLLATE NOCASE",
    )
    return [
        CourseSummary(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5], int(r[6]))
        for r in rows
    ]


async def get_course(db: ReadConnection, course_id: str) -> CourseSummary | None:
    for course in await _courses_where(db, course_id):
        return course
    return None


async def _courses_where(db: ReadConnection, course_id: str) -> list[CourseSummary]:
    rows = await fetch_all(
        db,
        "SELECT c.course_id, c.version, c.language, c.title, c.description, c.subject,"
        " (SELECT count(*) FROM lessons l WHERE l.course_id = c.course_id)"
        " FROM courses c WHERE c.course_id = ?",
        (course_id,),
    )
    return [
        CourseSummary(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5], int(r[6]))
        for r in rows
    ]


async def course_lessons(db: ReadConnection, course_id: str) -> list[Lesson]:
    """A course's lessons in order."""
    rows = await fetch_all(
        db,
        "SELECT lesson_id, module_id, module_title, position, kind, title, file, captions,"
        " duration_seconds, assessment FROM lessons WHERE course_id = ? ORDER BY position",
        (course_id,),
    )
    return [
        Lesson(
            lesson_id=str(r[0]),
            module_id=str(r[1]),
            module_title=str(r[2]),
            position=int(r[3]),
            kind=str(r[4]),
            title=str(r[5]),
            file=str(r[6]),
            captions=r[7],
            duration_seconds=r[8],
            assessment=r[9],
        )
        for r in rows
    ]


async def find_file(db: ReadConnection, course_id: str, path: str) -> InstalledFile | None:
    """The stored file behind a course path, if the course has it."""
    row = await fetch_one(
        db,
        "SELECT path, sha256, size FROM course_files WHERE course_id = ? AND path = ?",
        (course_id, path),
    )
    return None if row is None else InstalledFile(str(row[0]), str(row[1]), int(row[2]))


async def search(
    db: ReadConnection, text: str, *, language: str | None, limit: int = 30
) -> list[SearchHit]:
    """Courses and lessons matching every word typed, the learner's language first."""
    match = fts_query(text)
    if match is None:
        return []
    rows = await fetch_all(
        db,
        "SELECT s.course_id, c.title, s.lesson_id, coalesce(l.title, c.title), c.language,"
        " l.kind"
        " FROM search_index s JOIN courses c ON c.course_id = s.course_id"
        " LEFT JOIN lessons l ON l.course_id = s.course_id AND l.lesson_id = s.lesson_id"
        " WHERE search_index MATCH ?"
        " ORDER BY (c.language = ?) DESC, bm25(search_index, 0, 0, 0, 5.0, 1.0) LIMIT ?",
        (match, language or "", limit),
    )
    return [
        SearchHit(str(r[0]), str(r[1]), str(r[2]) or None, str(r[3]), str(r[4]), r[5]) for r in rows
    ]


async def catalogue_version(db: ReadConnection) -> tuple[int, ...]:
    """A value that changes whenever a course is installed, reinstalled or removed (each
    install stamps the course with a new HLC), for caches of what pages show."""
    row = await fetch_one(
        db,
        "SELECT count(*), coalesce(max(installed_hlc), 0),"
        " coalesce(sum(installed_hlc % 2147483647), 0) FROM courses",
    )
    assert row is not None
    return (int(row[0]), int(row[1]), int(row[2]))


async def all_blob_hashes(db: ReadConnection) -> set[str]:
    rows = await fetch_all(db, "SELECT sha256 FROM blobs")
    return {str(r[0]) for r in rows}
