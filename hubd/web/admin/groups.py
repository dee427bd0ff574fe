"""Groups: make, rename, choose the sign-in style, archive, move learners, assign courses, and
see how the group is doing."""

from __future__ import annotations

import datetime as dt
import uuid

from aiohttp import web

from hubd.errors import BadRequest, HubError
from hubd.storage import catalogue, reports, roster
from hubd.web import keys
from hubd.web.admin import forms, report_tables
from hubd.web.admin.guard import current_staff
from hubd.web.admin.notices import notice_for, redirect
from hubd.web.admin.period import period_from
from hubd.web.admin.tables import pick
from hubd.web.csrf import Form
from hubd.web.render import render

routes = web.RouteTableDef()


def _sign_in(form: Form) -> str:
    value = forms.field(form, "sign_in")
    if value not in roster.SIGN_IN_STYLES:
        raise BadRequest("Choose how the group signs in: PIN, pictures or just their name.")
    return value


@routes.get("/admin")
async def home(request: web.Request) -> web.Response:
    """The teacher's start: their groups, and a form to make one."""
    return await _groups_page(request, archived=False)


@routes.get("/admin/groups")
async def groups_page(request: web.Request) -> web.Response:
    return await _groups_page(request, archived=request.query.get("archived") == "1")


async def _groups_page(
    request: web.Request, *, archived: bool, status: int = 200, error: str = ""
) -> web.Response:
    async with request.app[keys.STORE].reader() as db:
        groups = await roster.list_groups(db, archived=archived)
        pending = await roster.count_pending_secrets(db)
    return render(
        request, "admin/groups.html", status=status, staff=current_staff(request),
        groups=groups, archived=archived, error=error, notice=notice_for(request),
        pending=pending,
    )


@routes.post("/admin/groups")
async def add_group(request: web.Request) -> web.Response:
    form = await forms.read_form(request)
    try:
        name = forms.name_field(form, "name", limit=60)
        group = roster.NewGroup(uuid.uuid4().hex, name, _sign_in(form))
        app = request.app
        await app[keys.STORE].write(
            roster.add_group(app[keys.IDENTITY], forms.now_hlc(request), group)
        )
    except HubError as exc:
        return await _groups_page(
            request, archived=False, status=exc.status, error=forms.message(request, exc.message)
        )
    raise redirect(f"/admin/groups/{group.group_id}", "added")


@routes.get("/admin/groups/{group_id}")
async def group_page(request: web.Request) -> web.Response:
    group_id = request.match_info["group_id"]
    period = period_from(request)
    async with request.app[keys.STORE].reader() as db:
        group = await roster.get_group(db, group_id)
        assignments = await roster.list_assignments(db, group_id)
        report = await reports.group_report(db, group_id, period)
        courses = await catalogue.list_courses(db)
        other_groups = [g for g in await roster.list_groups(db) if g.group_id != group_id]
    learners_table = report_tables.group_learners_table(report, group_id)
    courses_table = report_tables.course_summary_table(report.courses)
    details = report_tables.details_table(report.details, report.names, report.titles)
    download = pick(request, [learners_table, courses_table, details])
    if download is not None:
        return download
    return render(
        request, "admin/group.html", staff=current_staff(request), group=group,
        assignments=assignments, courses=courses, other_groups=other_groups,
        learners_table=learners_table, courses_table=courses_table, details_table=details,
        gain_chart=report_tables.gain_chart(request, report.courses), period=period,
        notice=notice_for(request), error="",
    )


@routes.post("/admin/groups/{group_id}")
async def edit_group(request: web.Request) -> web.Response:
    group_id = request.match_info["group_id"]
    form = await forms.read_form(request)
    name = forms.name_field(form, "name", limit=60)
    app = request.app
    await app[keys.STORE].write(
        roster.update_group(
            app[keys.IDENTITY], forms.now_hlc(request), group_id, name, _sign_in(form)
        )
    )
    app[keys.SECRET_HASHER].wake()  # a new sign-in style needs its secrets hashed
    raise redirect(f"/admin/groups/{group_id}", "saved")


@routes.post("/admin/groups/{group_id}/archive")
async def archive_group(request: web.Request) -> web.Response:
    group_id = request.match_info["group_id"]
    form = await forms.read_form(request)
    archived = forms.field(form, "archived") == "1"
    app = request.app
    await app[keys.STORE].write(
        roster.set_group_archived(app[keys.IDENTITY], forms.now_hlc(request), group_id, archived)
    )
    raise redirect(f"/admin/groups/{group_id}", "archived" if archived else "restored")


@routes.post("/admin/groups/{group_id}/move")
async def move_learners(request: web.Request) -> web.Response:
    group_id = request.match_info["group_id"]
    form = await forms.read_form(request)
    learner_ids = forms.fields(form, "learner")
    target = forms.field(form, "to")
    if not learner_ids:
        raise BadRequest("Tick the learners to move first.")
    if not target or target == group_id:
        raise BadRequest("Choose the group to move them to.")
    app = request.app
    await app[keys.STORE].write(
        roster.move_learners(
            app[keys.IDENTITY], forms.now_hlc(request), learner_ids, group_id, target
        )
    )
    app[keys.SECRET_HASHER].wake()
    raise redirect(f"/admin/groups/{group_id}", "moved")


@routes.get("/admin/groups/{group_id}/assign")
async def assign_form(request: web.Request) -> web.Response:
    """Step two of assigning: the chosen course's lessons, to pick some or take all."""
    group_id = request.match_info["group_id"]
    course_id = request.query.get("course", "")
    async with request.app[keys.STORE].reader() as db:
        group = await roster.get_group(db, group_id)
        course = await catalogue.get_course(db, course_id)
        lessons = await catalogue.course_lessons(db, course_id) if course else []
    if course is None:
        raise BadRequest("Choose a course first.")
    return render(
        request, "admin/assign.html", staff=current_staff(request), group=group,
        course=course, lessons=lessons,
    )


def _due_date(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise BadRequest("Dates are written like 2025-03-31.") from None


@routes.post("/admin/groups/{group_id}/assign")
async def assign(request: web.Request) -> web.Response:
    group_id = request.match_info["group_id"]
    form = await forms.read_form(request)
    course_id = forms.field(form, "course")
    lessons = [] if forms.field(form, "whole") == "1" else forms.fields(form, "lesson")
    due = _due_date(forms.field(form, "due"))
    if not course_id:
        raise BadRequest("Choose a course first.")
    app = request.app
    await app[keys.STORE].write(
        roster.assign(
            app[keys.IDENTITY], forms.now_hlc(request), group_id, course_id, lessons, due
        )
    )
    raise redirect(f"/admin/groups/{group_id}", "assigned")


@routes.post("/admin/groups/{group_id}/assignments/{assignment_id}/remove")
async def unassign(request: web.Request) -> web.Response:
    group_id = request.match_info["group_id"]
    await forms.read_form(request)
    app = request.app
    await app[keys.STORE].write(
        roster.unassign(
            app[keys.IDENTITY], forms.now_hlc(request), group_id,
            request.match_info["assignment_id"],
        )
    )
    raise redirect(f"/admin/groups/{group_id}", "unassigned")
