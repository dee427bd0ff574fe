"""Registering a class from a CSV file: upload, a preview of every row (the bad ones with
why), then one transaction that saves them all, or nothing."""

from __future__ import annotations

import uuid

from aiohttp import web

from hubd.errors import BadRequest
from hubd.roster.csv_import import ImportPreview, decode, fold, parse_class_list
from hubd.storage import roster
from hubd.web import keys
from hubd.web.admin import forms
from hubd.web.admin.cards import new_pictures, new_pin
from hubd.web.admin.guard import current_staff
from hubd.web.admin.notices import redirect
from hubd.web.i18n import LANGUAGES
from hubd.web.render import render, translate

routes = web.RouteTableDef()


@routes.get("/admin/import")
async def import_form(request: web.Request) -> web.Response:
    async with request.app[keys.STORE].reader() as db:
        groups = await roster.list_groups(db)
    return render(
        request, "admin/import.html", staff=current_staff(request), groups=groups,
        group_id=request.query.get("group", ""), error="",
    )


async def _preview(
    request: web.Request, data: bytes, group_id: str
) -> tuple[ImportPreview, dict[str, str], str | None]:
    """The preview, the hub's groups by folded name, and the chosen group's name."""
    async with request.app[keys.STORE].reader() as db:
        by_name = {fold(n): g for n, g in (await roster.group_ids_by_name(db)).items()}
        names = await roster.names_in_groups(db)
        chosen = (await roster.get_group(db, group_id)).name if group_id else None
    folded_of = {gid: folded for folded, gid in by_name.items()}
    known_names = {(folded_of[g], fold(n)) for g, n in names if g in folded_of}
    preview = parse_class_list(
        data, default_group=chosen, languages=list(LANGUAGES),
        known_groups=set(by_name), known_names=known_names,
    )
    return preview, by_name, chosen


def _show_preview(
    request: web.Request, preview: ImportPreview, text: str, group_id: str, sign_in: str,
    *, status: int = 200,
) -> web.Response:
    problem = preview.file_problem
    return render(
        request, "admin/import_preview.html", status=status, staff=current_staff(request),
        preview=preview, text=text, group_id=group_id, sign_in=sign_in,
        file_problem=None if problem is None else translate(request, problem.message,
                                                             **problem.values),
        reasons=lambda p: translate(request, p.message, **p.values),
    )


@routes.post("/admin/import")
async def preview_import(request: web.Request) -> web.Response:
    form = await forms.read_form(request)
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise BadRequest("Choose a CSV file to upload.")
    data = upload.file.read()
    group_id = forms.field(form, "group")
    sign_in = forms.field(form, "sign_in") or "pin"
    if sign_in not in roster.SIGN_IN_STYLES:
        raise BadRequest("Choose how the group signs in: PIN, pictures or just their name.")
    preview, _, _ = await _preview(request, data, group_id)
    decoded = decode(data)
    text = decoded if isinstance(decoded, str) else ""
    return _show_preview(
        request, preview, text, group_id, sign_in, status=200 if preview.can_import else 422
    )


@routes.post("/admin/import/confirm")
async def confirm_import(request: web.Request) -> web.Response:
    """Save what the preview showed, parsed again from the same text (nothing is kept
    between the two steps, so nothing half-done can linger)."""
    form = await forms.read_form(request)
    text = forms.field(form, "text")
    group_id = forms.field(form, "group")
    sign_in = forms.field(form, "sign_in") or "pin"
    if sign_in not in roster.SIGN_IN_STYLES:
        raise BadRequest("Choose how the group signs in: PIN, pictures or just their name.")
    preview, by_name, _ = await _preview(request, text.encode("utf-8"), group_id)
    skip_bad = forms.field(form, "skip_bad") == "1"
    if not preview.can_import or (preview.bad_rows and not skip_bad):
        return _show_preview(request, preview, text, group_id, sign_in, status=422)
    new_groups = []
    for name in preview.new_groups:
        group = roster.NewGroup(uuid.uuid4().hex, name, sign_in)
        by_name[fold(name)] = group.group_id
        new_groups.append(group)
    learners = [
        roster.NewLearner(
            row.name, by_name[fold(row.group)], row.language,
            row.pin or new_pin(), new_pictures(),
        )
        for row in preview.rows
    ]
    app = request.app
    await app[keys.STORE].write(
        roster.add_learners(
            app[keys.IDENTITY], forms.now_hlc(request), learners, new_groups=new_groups
        )
    )
    app[keys.SECRET_HASHER].wake()
    groups = {learner.group_id for learner in learners}
    target = f"/admin/groups/{groups.pop()}" if len(groups) == 1 else "/admin"
    raise redirect(target, "imported")
