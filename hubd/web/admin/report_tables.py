"""The report tables: built from the storage layer's figures, for pages and CSV files."""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from markupsafe import Markup

from hubd.storage import reports
from hubd.storage.reports import hlc_date
from hubd.web.admin.charts import Bar, column_chart, paired_bar_chart
from hubd.web.admin.period import utc_offset_ms
from hubd.web.admin.tables import Cell, Column, Table
from hubd.web.render import translate


def _day(hlc: int | None) -> dt.date | None:
    return None if hlc is None else hlc_date(hlc, utc_offset_ms())


def group_learners_table(report: reports.GroupReport, group_id: str) -> Table:
    # The columns apart from the call: Babel 2.19 misreads keyword calls nested in another's.
    columns = [
        Column("Name"),
        Column("Courses started", "number"),
        Column("Lessons completed", "number"),
        Column("Quizzes taken", "number"),
        Column("Active days", "number"),
        Column("Last seen", "date"),
    ]
    table = Table("learners", "Learners", columns)
    for item in report.learners:
        table.add(
            [
                item.display_name,
                item.courses_started,
                item.lessons_done,
                item.quizzes_taken,
                item.active_days,
                _day(item.last_seen_hlc),
            ],
            f"/admin/learners/{item.learner_id}",
        )
    return table


def course_summary_table(courses: list[reports.CourseSummary]) -> Table:
    # The columns apart from the call: Babel 2.19 misreads keyword calls nested in another's.
    columns = [
        Column("Course"),
        Column("Learners", "number"),
        Column("Average progress", "percent"),
        Column("Completed", "number"),
        Column("Pre-assessment", "percent"),
        Column("Post-assessment", "percent"),
        Column("Gain", "signed"),
        Column("Took both", "number"),
        Column("Quizzes taken", "number"),
    ]
    table = Table("courses", "Courses", columns)
    for c in courses:
        table.add(
            [
                c.title,
                c.learners,
                c.average_percent,
                c.completed,
                c.pre_average,
                c.post_average,
                c.gain_average,
                c.took_both,
                c.quizzes_taken,
            ]
        )
    return table


def details_table(
    details: list[reports.CourseFigures],
    names: dict[str, str],
    titles: dict[str, str],
    *,
    name: str = "details",
    with_learner: bool = True,
) -> Table:
    columns = [Column("Learner")] if with_learner else []
    columns += [
        Column("Course"),
        Column("Progress", "percent"),
        Column("Lessons completed", "number"),
        Column("Completed"),
        Column("Pre-assessment", "percent"),
        Column("Post-assessment", "percent"),
        Column("Gain", "signed"),
        Column("Quizzes taken", "number"),
        Column("Active days", "number"),
        Column("Last seen", "date"),
    ]
    table = Table(name, "Progress in each course", columns)
    for f in details:
        if f.course_id not in titles:
            continue
        row: list[Cell] = [names.get(f.learner_id, f.learner_id)] if with_learner else []
        row += [
            titles[f.course_id],
            f.percent,
            f.lessons_done,
            "\u2713" if f.completed else "",
            f.pre_percent,
            f.post_percent,
            f.gain,
            f.quizzes_taken,
            f.active_days,
            _day(f.last_seen_hlc),
        ]
        table.add(row)
    return table


def weekly_table(weeks: list[reports.WeekCount]) -> Table:
    # The columns apart from the call: Babel 2.19 misreads keyword calls nested in another's.
    columns = [Column("Week starting", "date"), Column("Active learners", "number")]
    table = Table("weekly", "Learners active each week", columns)
    for week in weeks:
        table.add([week.week_start, week.learners])
    return table


def course_use_table(uses: list[reports.CourseUse]) -> Table:
    # The columns apart from the call: Babel 2.19 misreads keyword calls nested in another's.
    columns = [
        Column("Course"),
        Column("Learners", "number"),
        Column("Lessons completed", "number"),
        Column("Quizzes taken", "number"),
        Column("Minutes spent", "number"),
    ]
    table = Table("most-used", "Most used courses", columns)
    for use in uses:
        table.add([use.title, use.learners, use.lessons_completed, use.quizzes_taken, use.minutes])
    return table


def weekly_chart(request: web.Request, weeks: list[reports.WeekCount]) -> Markup:
    bars = [Bar(w.week_start.strftime("%d/%m"), w.learners) for w in weeks[-26:]]
    return column_chart(bars, translate(request, "Learners active each week"))


def gain_chart(request: web.Request, courses: list[reports.CourseSummary]) -> Markup | None:
    rows = [c for c in courses if c.pre_average is not None or c.post_average is not None]
    if not rows:
        return None
    bars = [Bar(c.title[:40], c.pre_average, c.post_average) for c in rows]
    return paired_bar_chart(
        bars,
        translate(request, "Average pre- and post-assessment scores (%)"),
        translate(request, "Pre-assessment"),
        translate(request, "Post-assessment"),
    )
