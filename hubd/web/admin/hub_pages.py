"""The hub's own figures: weekly active learners, most used courses, and the hub's health."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from aiohttp import web

import hubd
from hubd.errors import BadRequest
from hubd.storage import catalogue, hub_status, reports
from hubd.sync.hlc import pack, unpack
from hubd.web import keys
from hubd.web.admin import forms, report_tables
from hubd.web.admin.guard import current_staff
from hubd.web.admin.notices import notice_for, redirect
from hubd.web.admin.period import hlc_day, period_from, utc_offset_ms
from hubd.web.admin.tables import Column, Table, pick
from hubd.web.render import render

_LOGGER = logging.getLogger(__name__)
routes = web.RouteTableDef()
CONNECTED_MINUTES = 10


@routes.get("/admin/reports")
async def reports_page(request: web.Request) -> web.Response:
    period = period_from(request)
    async with request.app[keys.STORE].reader() as db:
        weeks = await reports.weekly_active_learners(db, period)
        uses = await reports.course_use(db, period)
        totals = await reports.hub_totals(db, period)
    weekly = report_tables.weekly_table(weeks)
    most_used = report_tables.course_use_table(uses)
    download = pick(request, [weekly, most_used])
    if download is not None:
        return download
    return render(
        request,
        "admin/reports.html",
        staff=current_staff(request),
        period=period,
        totals=totals,
        weekly=weekly,
        most_used=most_used,
        chart=report_tables.weekly_chart(request, weeks) if weeks else None,
    )


def _size(request: web.Request, value: int) -> str:
    from babel.numbers import format_decimal

    from hubd.web.render import page_language

    gib = value / (1 << 30)
    return format_decimal(round(gib, 1), locale=page_language(request))


def _duration(request: web.Request, ms: int) -> str:
    """ "3 days", "5 hours" in the reader's language."""
    from babel.dates import format_timedelta

    from hubd.web.render import page_language

    return format_timedelta(dt.timedelta(milliseconds=ms), locale=page_language(request))


def _uptime(seconds: float) -> str:
    return str(dt.timedelta(seconds=int(seconds)))


def _when(request: web.Request, hlc: int) -> str:
    """Day and time (hub's time zone) of a hybrid clock time."""
    ms = unpack(hlc)[0] + utc_offset_ms()
    clock = dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%H:%M")
    return f"{hlc_day(request, hlc)} {clock}"


def _local_input(hlc: int) -> str:
    """A hybrid clock time as a datetime-local field's value, in the hub's time zone."""
    ms = unpack(hlc)[0] + utc_offset_ms()
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M")


@routes.get("/admin/hub")
async def hub_page(request: web.Request) -> web.Response:
    app = request.app
    config = app[keys.CONFIG]
    now = app[keys.CLOCK].now(app[keys.DEPS].wall_ms())
    since = pack(max(0, unpack(now)[0] - CONNECTED_MINUTES * 60_000), 0)
    async with app[keys.STORE].reader() as db:
        connected = await hub_status.learners_active_since(db, since)
        last_sync = await hub_status.last_sync(db)
        waiting = await hub_status.waiting_to_leave(db, app[keys.IDENTITY])
        database = await hub_status.database_bytes(db)
        courses = await catalogue.list_courses(db)
    disk = await asyncio.to_thread(app[keys.DEPS].disk_usage, config.data_dir)
    # The columns apart from the call: Babel 2.19 misreads keyword calls nested in another's.
    columns = [
        Column("Course"),
        Column("Language"),
        Column("Version", "number"),
        Column("Lessons", "number"),
    ]
    table = Table("courses", "Courses on this hub", columns)
    for course in courses:
        table.add([course.title, course.language, course.version, course.lesson_count])
    download = pick(request, [table])
    if download is not None:
        return download
    online = app.get(keys.ONLINE_SYNC)
    online_last = online.last if online else None
    moved = app[keys.WALL].last_correction
    return render(
        request,
        "admin/hub.html",
        notice=notice_for(request),
        clock_now=_when(request, now),
        clock_input=_local_input(now),
        clock_moved=moved,
        clock_ahead=_duration(request, moved.ahead_ms) if moved else "",
        clock_when=_when(request, pack(moved.at_ms, 0)) if moved else "",
        online_on=online is not None,
        online=online_last,
        online_when=_when(request, online_last.hlc) if online_last else "",
        staff=current_staff(request),
        table=table,
        version=hubd.__version__,
        uptime=_uptime(app[keys.DEPS].monotonic() - app[keys.STARTED_AT]),
        used=_size(request, disk.used),
        free=_size(request, disk.free),
        total=_size(request, disk.total),
        database=_size(request, database),
        free_percent=round(100 * disk.free / disk.total) if disk.total else 0,
        connected=connected,
        minutes=CONNECTED_MINUTES,
        last_sync=last_sync,
        last_sync_day=hlc_day(request, last_sync.hlc if last_sync else None),
        waiting=waiting,
        identity=app[keys.IDENTITY],
        sticks=board.snapshot() if (board := app.get(keys.STICKS)) else [],
        peers=discovery.peers() if (discovery := app.get(keys.DISCOVERY)) else None,
    )


@routes.post("/admin/hub/time")
async def set_time(request: web.Request) -> web.Response:
    """A teacher sets the hub's clock forward (after a power cut, with no phones to ask)."""
    form = await forms.read_form(request)
    try:
        local = dt.datetime.strptime(forms.field(form, "time").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise BadRequest("Type the date and the time, such as 2026-03-31 and 08:15.") from None
    target = int(local.replace(tzinfo=dt.UTC).timestamp() * 1000) - utc_offset_ms()
    wall = request.app[keys.WALL]
    try:
        wall.set_forward(target, "teacher")
    except ValueError as exc:
        if str(exc) == "behind":
            raise BadRequest(
                "The hub's clock is already at or past that time: it only moves forward."
            ) from None
        raise BadRequest(
            "That is more than 400 days ahead of the hub's time: check the year."
        ) from None
    staff = current_staff(request)
    _LOGGER.info("%s set the hub's clock forward to %s (hub's time zone)", staff.username, local)
    raise redirect("/admin/hub", "time_set")
