"""Learners: the list, adding one, editing, deactivating, unlocking, and one learner's report."""

from __future__ import annotations

from aiohttp import web

from hubd.errors import BadRequest, HubError
from hubd.roster.csv_import import fold
from hubd.storage import catalogue, learning, reports, roster
from hubd.web import keys
from hubd.web.admin import forms, merge, report_tables
from hubd.web.admin.cards import give_new_secrets, new_pictures, new_pin
from hubd.web.admin.guard import current_staff
from hubd.web.admin.notices import notice_for, redirect
from hubd.web.admin.period import period_from
from hubd.web.admin.tables import Column, Table, pick
from hubd.web.csrf import Form
from hubd.web.i18n import LANGUAGES
from hubd.web.render import render, translate

routes = web.RouteTableDef()
# Merging two records of one child (hubd/web/admin/merge.py) is served with these pages.
routes.get("/admin/learners/{learner_id}/merge")(merge.merge_page)
routes.post("/admin/learners/{learner_id}/merge")(merge.confirm_merge)


def _language(form: Form) -> str | None:
    value = forms.field(form, "language")
    if value and value not in LANGUAGES:
        raise BadRequest("Choose one of the hub's languages.")
    return value or None


def learners_table(request: web.Request, learners: list[roster.LearnerRow]) -> Table:
    # The columns apart from the call: Babel 2.19 misreads keyword calls nested in another's.
    columns = [Column("Name"), Column("Groups"), Column("Language"), Column("Sign-in")]
    table = Table("learners", "Learners", columns)
    for item in learners:
        state = ""
        if item.locked:
            state = translate(request, "locked")
        elif item.secrets_pending:
            state = translate(request, "being prepared")
        table.add(
            [item.display_name, item.group_names, item.language or "", state],
            f"/admin/learners/{item.learner_id}",
        )
    return table


@routes.get("/admin/learners")
async def learners_page(request: web.Request) -> web.Response:
    return await _learners_page(request)


async def _learners_page(
    request: web.Request,
    *,
    status: int = 200,
    error: str = "",
    values: dict[str, str] | None = None,
) -> web.Response:
    group_id = request.query.get("group") or None
    search = request.query.get("q", "").strip()[:80]
    inactive = request.query.get("inactive") == "1"
    async with request.app[keys.STORE].reader() as db:
        learners = await roster.list_learners(
            db, group_id=group_id, search=search, inactive=inactive, limit=5000
        )
        groups = await roster.list_groups(db)
    table = learners_table(request, learners)
    download = pick(request, [table])
    if download is not None:
        return download
    return render(
        request,
        "admin/learners.html",
        status=status,
        staff=current_staff(request),
        learners=learners,
        groups=groups,
        group_id=group_id,
        search=search,
        inactive=inactive,
        table=table,
        notice=notice_for(request),
        error=error,
        values=values or {},
    )


@routes.post("/admin/learners")
async def add_learner(request: web.Request) -> web.Response:
    form = await forms.read_form(request)
    values = {k: forms.field(form, k) for k in ("name", "group", "language")}
    app = request.app
    try:
        name = forms.name_field(form, "name")
        group_id = forms.field(form, "group")
        if not group_id:
            raise BadRequest("Choose the learner's group.")
        async with app[keys.STORE].reader() as db:
            await roster.get_group(db, group_id)
            taken = (group_id, fold(name)) in {
                (g, fold(n)) for g, n in await roster.names_in_groups(db)
            }
        if taken:
            raise BadRequest(
                "A learner with this name is already in this group. Add an initial to tell "
                "them apart."
            )
        new = roster.NewLearner(name, group_id, _language(form), new_pin(), new_pictures())
        (learner_id,) = await app[keys.STORE].write(
            roster.add_learners(app[keys.IDENTITY], forms.now_hlc(request), [new])
        )
    except HubError as exc:
        return await _learners_page(
            request, status=exc.status, error=forms.message(request, exc.message), values=values
        )
    app[keys.SECRET_HASHER].wake()
    raise redirect(f"/admin/learners/{learner_id}", "added")


@routes.get("/admin/learners/{learner_id}")
async def learner_page(request: web.Request) -> web.Response:
    learner_id = request.match_info["learner_id"]
    period = period_from(request)
    async with request.app[keys.STORE].reader() as db:
        learner = await roster.get_learner(db, learner_id)
        groups = await roster.list_groups(db)
        details = await reports.learner_course_figures(db, period, learner_id=learner_id)
        titles = {c.course_id: c.title for c in await catalogue.list_courses(db)}
    table = report_tables.details_table(details, {}, titles, name="progress", with_learner=False)
    download = pick(request, [table])
    if download is not None:
        return download
    return render(
        request,
        "admin/learner.html",
        staff=current_staff(request),
        learner_row=learner,
        groups=groups,
        table=table,
        period=period,
        notice=notice_for(request),
        error="",
    )


@routes.post("/admin/learners/{learner_id}")
async def edit_learner(request: web.Request) -> web.Response:
    learner_id = request.match_info["learner_id"]
    form = await forms.read_form(request)
    name = forms.name_field(form, "name")
    language = _language(form)
    group_id = forms.field(form, "group")
    app = request.app
    hub, hlc = app[keys.IDENTITY], forms.now_hlc(request)
    await app[keys.STORE].write(roster.update_learner(hub, hlc, learner_id, name, language))
    if group_id:
        await app[keys.STORE].write(roster.set_learner_group(hub, hlc, learner_id, group_id))
        app[keys.SECRET_HASHER].wake()
    raise redirect(f"/admin/learners/{learner_id}", "saved")


@routes.post("/admin/learners/{learner_id}/active")
async def set_active(request: web.Request) -> web.Response:
    learner_id = request.match_info["learner_id"]
    form = await forms.read_form(request)
    active = forms.field(form, "active") == "1"
    app = request.app
    await app[keys.STORE].write(
        roster.set_learner_active(app[keys.IDENTITY], forms.now_hlc(request), learner_id, active)
    )
    app[keys.SESSIONS].forget(learner_id)
    raise redirect(f"/admin/learners/{learner_id}", "activated" if active else "deactivated")


@routes.post("/admin/learners/{learner_id}/unlock")
async def unlock(request: web.Request) -> web.Response:
    learner_id = request.match_info["learner_id"]
    await forms.read_form(request)
    async with request.app[keys.STORE].reader() as db:
        await roster.get_learner(db, learner_id)
    await request.app[keys.STORE].write(learning.unlock_sign_in(learner_id))
    raise redirect(f"/admin/learners/{learner_id}", "unlocked")


@routes.post("/admin/learners/{learner_id}/card")
async def new_card(request: web.Request) -> web.Response:
    learner_id = request.match_info["learner_id"]
    await forms.read_form(request)
    async with request.app[keys.STORE].reader() as db:
        await roster.get_learner(db, learner_id)
    await give_new_secrets(request, [learner_id])
    raise redirect(f"/admin/learners/{learner_id}", "new_card")
