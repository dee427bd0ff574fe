"""The figures teachers watch (the ones the Mexican programme reported).

- progress: lessons completed out of the lessons in the course; a course is completed when
  every lesson is. Progress counts everything done up to the end of the period.
- pre- and post-assessment: the first pre-assessment score and the last post-assessment score
  in the period, in percent; the gain is post minus pre, for learners who took both.
- quizzes taken (scored quiz attempts), active days (days with any activity), last seen, in
  the period.
- per hub: learners active each week (weeks start on Monday), and the most used courses.

Days are counted from the hybrid clock's wall time in the hub's time zone (`utc_offset_ms`):
after a power cut without a clock, activity lands on the last day the hub knew.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

import aiosqlite

from hubd.sync.hlc import COUNTER_BITS, pack

DAY_MS = 86_400_000
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """A range of calendar days, both ends included; None is open-ended."""

    first: dt.date | None = None
    last: dt.date | None = None
    utc_offset_ms: int = 0

    @property
    def start_hlc(self) -> int:
        if self.first is None:
            return 0
        return pack(max(0, (self.first - _EPOCH).days * DAY_MS - self.utc_offset_ms), 0)

    @property
    def end_hlc(self) -> int:
        if self.last is None:
            return 1 << 62
        return pack(max(0, ((self.last - _EPOCH).days + 1) * DAY_MS - self.utc_offset_ms), 0)


def hlc_date(hlc: int, utc_offset_ms: int) -> dt.date:
    """The calendar day of a hybrid clock time."""
    return _EPOCH + dt.timedelta(days=((hlc >> COUNTER_BITS) + utc_offset_ms) // DAY_MS)


@dataclass(slots=True)
class CourseFigures:
    """One learner's figures in one course."""

    learner_id: str
    course_id: str
    lessons_total: int = 0
    lessons_done: int = 0
    pre_percent: int | None = None
    post_percent: int | None = None
    quizzes_taken: int = 0
    active_days: int = 0
    last_seen_hlc: int | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0

    @property
    def completed(self) -> bool:
        return self.lessons_total > 0 and self.lessons_done >= self.lessons_total

    @property
    def gain(self) -> int | None:
        if self.pre_percent is None or self.post_percent is None:
            return None
        return self.post_percent - self.pre_percent


@dataclass(frozen=True, slots=True)
class LearnerSummary:
    learner_id: str
    display_name: str
    courses_started: int
    lessons_done: int
    quizzes_taken: int
    active_days: int
    last_seen_hlc: int | None


@dataclass(frozen=True, slots=True)
class CourseSummary:
    """A course's figures over a set of learners."""

    course_id: str
    title: str
    learners: int
    average_percent: int
    completed: int
    pre_average: int | None
    post_average: int | None
    gain_average: int | None
    took_both: int
    quizzes_taken: int


@dataclass(frozen=True, slots=True)
class WeekCount:
    week_start: dt.date
    learners: int


@dataclass(frozen=True, slots=True)
class CourseUse:
    course_id: str
    title: str
    learners: int
    lessons_completed: int
    quizzes_taken: int
    minutes: int


@dataclass(frozen=True, slots=True)
class GroupReport:
    learners: list[LearnerSummary]
    courses: list[CourseSummary]
    details: list[CourseFigures]
    names: dict[str, str]  # learner id -> name
    titles: dict[str, str]  # course id -> title


def _percent(score: int, top: int) -> int:
    return round(100 * score / top) if top else 0


async def _course_titles(db: aiosqlite.Connection) -> tuple[dict[str, str], dict[str, int]]:
    cursor = await db.execute(
        "SELECT c.course_id, c.title, (SELECT count(*) FROM lessons l"
        " WHERE l.course_id = c.course_id) FROM courses c"
    )
    titles: dict[str, str] = {}
    totals: dict[str, int] = {}
    for r in await cursor.fetchall():
        titles[str(r[0])] = str(r[1])
        totals[str(r[0])] = int(r[2])
    return titles, totals


# Who a report covers: a group's active learners, or one learner (fixed SQL, bound values).
_IN_GROUP = (
    "IN (SELECT m.learner_id FROM group_members m JOIN learners x"
    " ON x.learner_id = m.learner_id WHERE m.group_id = ? AND x.active = 1)"
)
_IS_LEARNER = "IN (?)"


async def learner_course_figures(
    db: aiosqlite.Connection,
    period: Period,
    *,
    group_id: str | None = None,
    learner_id: str | None = None,
) -> list[CourseFigures]:
    """Figures for each (learner, course) touched, for a group's learners or one learner."""
    scope, who = (_IN_GROUP, group_id) if group_id is not None else (_IS_LEARNER, learner_id)
    _, totals = await _course_titles(db)
    figures: dict[tuple[str, str], CourseFigures] = {}

    def get(learner: str, course_id: str) -> CourseFigures:
        key = (learner, course_id)
        if key not in figures:
            figures[key] = CourseFigures(learner, course_id, totals.get(course_id, 0))
        return figures[key]

    cursor = await db.execute(
        "SELECT p.learner_id, p.course_id, count(*) FROM lesson_progress p"  # noqa: S608
        " JOIN lessons l ON l.course_id = p.course_id AND l.lesson_id = p.lesson_id"
        f" WHERE p.learner_id {scope}"
        " AND p.completed_hlc IS NOT NULL AND p.completed_hlc < ?"
        " GROUP BY p.learner_id, p.course_id",
        (who, period.end_hlc),
    )
    for r in await cursor.fetchall():
        get(str(r[0]), str(r[1])).lessons_done = int(r[2])
    cursor = await db.execute(
        "SELECT e.learner_id, e.course_id, sum(e.event_type = 'quiz_scored'),"  # noqa: S608
        " count(DISTINCT ((e.hlc >> ?) + ?) / ?), max(e.hlc) FROM progress_events e"
        f" WHERE e.learner_id {scope}"
        " AND e.hlc >= ? AND e.hlc < ? AND e.course_id IS NOT NULL"
        " GROUP BY e.learner_id, e.course_id",
        (COUNTER_BITS, period.utc_offset_ms, DAY_MS, who, period.start_hlc, period.end_hlc),
    )
    for r in await cursor.fetchall():
        item = get(str(r[0]), str(r[1]))
        item.quizzes_taken, item.active_days, item.last_seen_hlc = int(r[2]), int(r[3]), r[4]
    cursor = await db.execute(
        "SELECT e.learner_id, e.course_id, e.payload FROM progress_events e"  # noqa: S608
        f" WHERE e.learner_id {scope}"
        " AND e.event_type = 'quiz_scored' AND e.hlc >= ? AND e.hlc < ?"
        " AND json_extract(e.payload, '$.assessment') IN ('pre', 'post') ORDER BY e.hlc",
        (who, period.start_hlc, period.end_hlc),
    )
    for r in await cursor.fetchall():
        item = get(str(r[0]), str(r[1]))
        payload = json.loads(r[2])
        score = _percent(int(payload["score"]), int(payload["max"]))
        if payload["assessment"] == "pre":
            if item.pre_percent is None:
                item.pre_percent = score
        else:
            item.post_percent = score
    return sorted(figures.values(), key=lambda f: (f.learner_id, f.course_id))


async def _active_days(
    db: aiosqlite.Connection, period: Period, group_id: str
) -> dict[str, tuple[int, int | None]]:
    cursor = await db.execute(
        "SELECT e.learner_id, count(DISTINCT ((e.hlc >> ?) + ?) / ?), max(e.hlc)"
        " FROM progress_events e JOIN group_members m ON m.learner_id = e.learner_id"
        " WHERE m.group_id = ? AND e.hlc >= ? AND e.hlc < ? GROUP BY e.learner_id",
        (COUNTER_BITS, period.utc_offset_ms, DAY_MS, group_id, period.start_hlc, period.end_hlc),
    )
    return {str(r[0]): (int(r[1]), r[2]) for r in await cursor.fetchall()}


async def group_report(db: aiosqlite.Connection, group_id: str, period: Period) -> GroupReport:
    """Each learner of a group, and each course the group has or uses."""
    cursor = await db.execute(
        "SELECT l.learner_id, l.display_name FROM group_members m"
        " JOIN learners l ON l.learner_id = m.learner_id"
        " WHERE m.group_id = ? AND l.active = 1 ORDER BY l.display_name COLLATE NOCASE",
        (group_id,),
    )
    names = {str(r[0]): str(r[1]) for r in await cursor.fetchall()}
    titles, totals = await _course_titles(db)
    details = await learner_course_figures(db, period, group_id=group_id)
    days = await _active_days(db, period, group_id)
    cursor = await db.execute(
        "SELECT DISTINCT course_id FROM assignments WHERE group_id = ? AND removed = 0",
        (group_id,),
    )
    course_ids = {str(r[0]) for r in await cursor.fetchall()} | {d.course_id for d in details}
    course_ids &= set(titles)
    by_learner: dict[str, list[CourseFigures]] = defaultdict(list)
    by_course: dict[str, list[CourseFigures]] = defaultdict(list)
    for item in details:
        by_learner[item.learner_id].append(item)
        by_course[item.course_id].append(item)
    learners = [
        LearnerSummary(
            learner_id,
            name,
            sum(1 for f in by_learner[learner_id] if f.last_seen_hlc or f.lessons_done),
            sum(f.lessons_done for f in by_learner[learner_id]),
            sum(f.quizzes_taken for f in by_learner[learner_id]),
            days.get(learner_id, (0, None))[0],
            days.get(learner_id, (0, None))[1],
        )
        for learner_id, name in names.items()
    ]
    courses = [
        summarise_course(
            course_id, titles[course_id], totals[course_id], by_course[course_id], len(names)
        )
        for course_id in sorted(course_ids, key=lambda c: titles[c].casefold())
    ]
    return GroupReport(learners, courses, details, names, titles)


def summarise_course(
    course_id: str, title: str, total: int, items: list[CourseFigures], learners: int
) -> CourseSummary:
    """A course's averages over `learners` learners (those with no activity count as 0%)."""

    def mean(values: list[int]) -> int | None:
        return round(sum(values) / len(values)) if values else None

    pre = [f.pre_percent for f in items if f.pre_percent is not None]
    post = [f.post_percent for f in items if f.post_percent is not None]
    gains = [g for g in (f.gain for f in items) if g is not None]
    done = sum(f.lessons_done for f in items)
    average = round(100 * done / (total * learners)) if total and learners else 0
    return CourseSummary(
        course_id,
        title,
        learners,
        average,
        sum(1 for f in items if f.completed),
        mean(pre),
        mean(post),
        mean(gains),
        len(gains),
        sum(f.quizzes_taken for f in items),
    )


async def weekly_active_learners(db: aiosqlite.Connection, period: Period) -> list[WeekCount]:
    """Learners with any activity, week by week (weeks with none included, as zeros)."""
    cursor = await db.execute(
        "SELECT ((((hlc >> ?) + ?) / ?) + 3) / 7 AS week, count(DISTINCT learner_id)"
        " FROM progress_events WHERE hlc >= ? AND hlc < ? GROUP BY week ORDER BY week",
        (COUNTER_BITS, period.utc_offset_ms, DAY_MS, period.start_hlc, period.end_hlc),
    )
    counts = {int(r[0]): int(r[1]) for r in await cursor.fetchall()}
    if not counts:
        return []
    weeks = range(min(counts), max(counts) + 1)
    return [
        WeekCount(_EPOCH + dt.timedelta(days=week * 7 - 3), counts.get(week, 0)) for week in weeks
    ]


async def course_use(db: aiosqlite.Connection, period: Period, limit: int = 20) -> list[CourseUse]:
    """The most used courses: by learners active in them, then lessons completed."""
    cursor = await db.execute(
        "SELECT e.course_id, c.title, count(DISTINCT e.learner_id),"
        " sum(e.event_type = 'lesson_completed'), sum(e.event_type = 'quiz_scored'),"
        " coalesce(sum(CASE WHEN e.event_type = 'time_spent'"
        "  THEN json_extract(e.payload, '$.seconds') END), 0)"
        " FROM progress_events e JOIN courses c ON c.course_id = e.course_id"
        " WHERE e.hlc >= ? AND e.hlc < ? GROUP BY e.course_id"
        " ORDER BY 3 DESC, 4 DESC, c.title COLLATE NOCASE LIMIT ?",
        (period.start_hlc, period.end_hlc, limit),
    )
    return [
        CourseUse(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), round(int(r[5]) / 60))
        for r in await cursor.fetchall()
    ]


@dataclass(frozen=True, slots=True)
class HubTotals:
    learners: int
    groups: int
    active_learners: int
    lessons_completed: int
    quizzes_taken: int


async def hub_totals(db: aiosqlite.Connection, period: Period) -> HubTotals:
    """Headline figures for the whole hub in the period."""
    cursor = await db.execute(
        "SELECT (SELECT count(*) FROM learners WHERE active = 1),"
        " (SELECT count(*) FROM learner_groups WHERE archived = 0),"
        " count(DISTINCT learner_id), coalesce(sum(event_type = 'lesson_completed'), 0),"
        " coalesce(sum(event_type = 'quiz_scored'), 0)"
        " FROM progress_events WHERE hlc >= ? AND hlc < ?",
        (period.start_hlc, period.end_hlc),
    )
    r = await cursor.fetchone()
    assert r is not None
    return HubTotals(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]))
