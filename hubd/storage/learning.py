"""What the learner pages read and write: sign-in, my courses, progress, quiz attempts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from hubd.storage.people import start_session
from hubd.storage.reads import ReadConnection, fetch_all, fetch_one

MAX_FAILED_SIGNINS = 5


@dataclass(frozen=True, slots=True)
class GroupChoice:
    group_id: str
    name: str
    sign_in: str
    learner_count: int


@dataclass(frozen=True, slots=True)
class LearnerChoice:
    learner_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class SignInRecord:
    learner_id: str
    display_name: str
    group_id: str
    sign_in: str
    pin_hash: str | None
    picture_hash: str | None
    failed_signins: int
    locked: bool


@dataclass(frozen=True, slots=True)
class Learner:
    learner_id: str
    display_name: str
    language: str | None


@dataclass(frozen=True, slots=True)
class CourseProgress:
    course_id: str
    title: str
    language: str
    description: str
    lessons_total: int
    lessons_completed: int
    assigned: bool
    due_date: str | None

    @property
    def percent(self) -> int:
        if self.lessons_total == 0:
            return 0
        return round(100 * self.lessons_completed / self.lessons_total)


@dataclass(frozen=True, slots=True)
class LessonState:
    started: bool
    completed: bool
    position_seconds: float | None
    last_score: int | None
    max_score: int | None


@dataclass(frozen=True, slots=True)
class ResumePoint:
    course_id: str
    course_title: str
    lesson_id: str
    lesson_title: str


async def sign_in_groups(db: ReadConnection) -> list[GroupChoice]:
    """Groups a learner can pick on the sign-in page (not archived, with learners)."""
    rows = await fetch_all(
        db,
        "SELECT g.group_id, g.name, g.sign_in, count(l.learner_id) FROM learner_groups g"
        " JOIN group_members m ON m.group_id = g.group_id"
        " JOIN learners l ON l.learner_id = m.learner_id AND l.active = 1"
        " WHERE g.archived = 0 GROUP BY g.group_id ORDER BY g.name COLLATE NOCASE",
    )
    return [GroupChoice(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]


async def group_learners(db: ReadConnection, group_id: str) -> list[LearnerChoice]:
    """Active learners of a group, by name."""
    rows = await fetch_all(
        db,
        "SELECT l.learner_id, l.display_name FROM group_members m"
        " JOIN learners l ON l.learner_id = m.learner_id"
        " JOIN learner_groups g ON g.group_id = m.group_id"
        " WHERE m.group_id = ? AND l.active = 1 AND g.archived = 0"
        " ORDER BY l.display_name COLLATE NOCASE",
        (group_id,),
    )
    return [LearnerChoice(str(r[0]), str(r[1])) for r in rows]


async def group_name(db: ReadConnection, group_id: str) -> str | None:
    row = await fetch_one(
        db, "SELECT name FROM learner_groups WHERE group_id = ? AND archived = 0", (group_id,)
    )
    return None if row is None else str(row[0])


async def sign_in_record(db: ReadConnection, group_id: str, learner_id: str) -> SignInRecord | None:
    """What checking a learner's sign-in needs, if the learner is active in that group."""
    r = await fetch_one(
        db,
        "SELECT l.learner_id, l.display_name, g.group_id, g.sign_in, l.pin_hash, l.picture,"
        " l.failed_signins, l.signin_locked FROM learners l"
        " JOIN group_members m ON m.learner_id = l.learner_id"
        " JOIN learner_groups g ON g.group_id = m.group_id"
        " WHERE l.learner_id = ? AND g.group_id = ? AND l.active = 1 AND g.archived = 0",
        (learner_id, group_id),
    )
    if r is None:
        return None
    return SignInRecord(
        str(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], r[5], int(r[6]), bool(r[7])
    )


def record_failed_sign_in(learner_id: str) -> Callable[[sqlite3.Connection], bool]:
    """A write function: count a wrong PIN or picture; returns True when now locked."""

    def write(conn: sqlite3.Connection) -> bool:
        conn.execute(
            "UPDATE learners SET failed_signins = failed_signins + 1,"
            " signin_locked = (failed_signins + 1 >= ?) WHERE learner_id = ?",
            (MAX_FAILED_SIGNINS, learner_id),
        )
        row = conn.execute(
            "SELECT signin_locked FROM learners WHERE learner_id = ?", (learner_id,)
        ).fetchone()
        return bool(row and row[0])

    return write


def record_sign_in(learner_id: str, hlc: int) -> Callable[[sqlite3.Connection], str]:
    """A write function: reset the failure count and open a session; returns its token."""
    open_session = start_session("learner", learner_id, hlc)

    def write(conn: sqlite3.Connection) -> str:
        conn.execute("UPDATE learners SET failed_signins = 0 WHERE learner_id = ?", (learner_id,))
        return open_session(conn)

    return write


def unlock_sign_in(learner_id: str) -> Callable[[sqlite3.Connection], None]:
    """A write function for teachers: let a locked-out learner try again."""

    def write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "UPDATE learners SET failed_signins = 0, signin_locked = 0 WHERE learner_id = ?",
            (learner_id,),
        )

    return write


def end_session(token_hash: str) -> Callable[[sqlite3.Connection], None]:
    """A write function: sign out ("Not me")."""

    def write(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    return write


async def get_learner(db: ReadConnection, learner_id: str) -> Learner | None:
    r = await fetch_one(
        db,
        "SELECT learner_id, display_name, language FROM learners WHERE learner_id = ?",
        (learner_id,),
    )
    return None if r is None else Learner(str(r[0]), str(r[1]), r[2])


async def my_courses(db: ReadConnection, learner_id: str) -> list[CourseProgress]:
    """Every installed course with this learner's progress; assigned ones first."""
    rows = await fetch_all(
        db,
        "WITH mine AS ("
        "  SELECT a.course_id, min(a.due_date) AS due_date FROM assignments a"
        "  JOIN group_members m ON m.group_id = a.group_id"
        "  JOIN learner_groups g ON g.group_id = a.group_id AND g.archived = 0"
        "  WHERE m.learner_id = ? AND a.removed = 0 GROUP BY a.course_id"
        ") SELECT c.course_id, c.title, c.language, c.description,"
        " (SELECT count(*) FROM lessons l WHERE l.course_id = c.course_id),"
        " (SELECT count(*) FROM lesson_progress p JOIN lessons l"
        "   ON l.course_id = p.course_id AND l.lesson_id = p.lesson_id"
        "   WHERE p.learner_id = ? AND p.course_id = c.course_id AND p.completed_hlc IS NOT NULL),"
        " mine.course_id IS NOT NULL, mine.due_date"
        " FROM courses c LEFT JOIN mine ON mine.course_id = c.course_id"
        " ORDER BY mine.course_id IS NULL, c.title COLLATE NOCASE",
        (learner_id, learner_id),
    )
    return [
        CourseProgress(
            str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), int(r[5]), bool(r[6]), r[7]
        )
        for r in rows
    ]


async def resume_point(db: ReadConnection, learner_id: str) -> ResumePoint | None:
    """Where to continue: the last lesson touched, or the next one if it was finished."""
    last = await fetch_one(
        db,
        "SELECT p.course_id, p.lesson_id, p.completed_hlc IS NOT NULL, l.position"
        " FROM lesson_progress p JOIN lessons l"
        " ON l.course_id = p.course_id AND l.lesson_id = p.lesson_id"
        " WHERE p.learner_id = ? ORDER BY p.last_hlc DESC LIMIT 1",
        (learner_id,),
    )
    if last is None:
        return None
    course_id, lesson_id, completed, position = str(last[0]), str(last[1]), bool(last[2]), last[3]
    if completed:
        following = await fetch_one(
            db,
            "SELECT lesson_id FROM lessons WHERE course_id = ? AND position > ?"
            " ORDER BY position LIMIT 1",
            (course_id, position),
        )
        if following is None:
            return None  # the course is finished: nothing to continue
        lesson_id = str(following[0])
    titles = await fetch_one(
        db,
        "SELECT c.title, l.title FROM courses c JOIN lessons l ON l.course_id = c.course_id"
        " WHERE c.course_id = ? AND l.lesson_id = ?",
        (course_id, lesson_id),
    )
    if titles is None:
        return None
    return ResumePoint(course_id, str(titles[0]), lesson_id, str(titles[1]))


async def lesson_states(
    db: ReadConnection, learner_id: str, course_id: str
) -> dict[str, LessonState]:
    """This learner's state for each lesson of a course they have touched."""
    rows = await fetch_all(
        db,
        "SELECT lesson_id, completed_hlc IS NOT NULL, position_seconds, last_score, max_score"
        " FROM lesson_progress WHERE learner_id = ? AND course_id = ?",
        (learner_id, course_id),
    )
    return {str(r[0]): LessonState(True, bool(r[1]), r[2], r[3], r[4]) for r in rows}


async def assigned_lessons(
    db: ReadConnection, learner_id: str, course_id: str
) -> dict[str, str | None]:
    """Lessons of a course the learner's groups were given one by one: {lesson id: due date}.
    Empty when the whole course is assigned (or nothing of it)."""
    rows = await fetch_all(
        db,
        "SELECT a.lesson_id, min(a.due_date) FROM assignments a"
        " JOIN group_members m ON m.group_id = a.group_id"
        " JOIN learner_groups g ON g.group_id = a.group_id AND g.archived = 0"
        " WHERE m.learner_id = ? AND a.course_id = ? AND a.removed = 0"
        " GROUP BY a.lesson_id",
        (learner_id, course_id),
    )
    if any(r[0] is None for r in rows):
        return {}
    return {str(r[0]): r[1] for r in rows}


async def attempt_answers(
    db: ReadConnection, learner_id: str, course_id: str, lesson_id: str, attempt: str
) -> dict[str, bool]:
    """The answers given so far in one quiz attempt: {question id: correct}."""
    rows = await fetch_all(
        db,
        "SELECT payload FROM progress_events WHERE learner_id = ? AND course_id = ?"
        " AND lesson_id = ? AND event_type = 'answer'"
        " AND json_extract(payload, '$.attempt') = ? ORDER BY hlc",
        (learner_id, course_id, lesson_id, attempt),
    )
    answers: dict[str, bool] = {}
    for (payload,) in rows:
        data = json.loads(payload)
        answers.setdefault(str(data["question_id"]), bool(data["correct"]))
    return answers
