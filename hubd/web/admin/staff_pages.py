"""The hub administrator's page for teachers' accounts: add, reset a password, stop or allow."""

from __future__ import annotations

import asyncio
import uuid

from aiohttp import web

from hubd.auth.hashing import hash_password
from hubd.errors import BadRequest, HubError
from hubd.storage import staff
from hubd.web import keys
from hubd.web.admin import forms
from hubd.web.admin.guard import require_admin
from hubd.web.admin.notices import notice_for, redirect
from hubd.web.render import render

routes = web.RouteTableDef()


async def _page(
    request: web.Request, *, status: int = 200, error: str = "",
    values: dict[str, str] | None = None,
) -> web.Response:
    member = require_admin(request)
    async with request.app[keys.STORE].reader() as db:
        members = await staff.list_members(db)
    return render(
        request, "admin/staff.html", status=status, staff=member, members=members,
        error=error, values=values or {}, notice=notice_for(request),
        limit=request.app[keys.CONFIG].admin.max_failed_logins,
    )


@routes.get("/admin/staff")
async def staff_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post("/admin/staff")
async def add_teacher(request: web.Request) -> web.Response:
    require_admin(request)
    form = await forms.read_form(request)
    values = {k: forms.field(form, k) for k in ("display_name", "username", "role")}
    try:
        display_name = forms.name_field(form, "display_name")
        username = forms.username_field(form)
        role = forms.field(form, "role") or "teacher"
        if role not in staff.ROLES:
            raise BadRequest("Choose teacher or administrator.")
        password = forms.field(form, "password")
        forms.check_new_password(password, forms.field(form, "password2"))
        password_hash = await asyncio.to_thread(hash_password, password)
        await request.app[keys.STORE].write(
            staff.add_member(
                uuid.uuid4().hex, username, display_name, password_hash, role,
                forms.now_hlc(request),
            )
        )
    except HubError as exc:
        return await _page(
            request, status=exc.status, error=forms.message(request, exc.message), values=values
        )
    raise redirect("/admin/staff", "staff_added")


async def _member(request: web.Request) -> staff.StaffMember:
    async with request.app[keys.STORE].reader() as db:
        member = await staff.get_member(db, request.match_info["staff_id"])
    if member is None:
        raise BadRequest("There is no such account.")
    return member


@routes.post("/admin/staff/{staff_id}/password")
async def reset_password(request: web.Request) -> web.Response:
    """A new password chosen by the administrator; it also unlocks a locked account."""
    require_admin(request)
    form = await forms.read_form(request)
    member = await _member(request)
    try:
        password = forms.field(form, "password")
        forms.check_new_password(password, forms.field(form, "password2"))
    except HubError as exc:
        return await _page(request, status=exc.status, error=forms.message(request, exc.message))
    password_hash = await asyncio.to_thread(hash_password, password)
    await request.app[keys.STORE].write(staff.set_password(member.staff_id, password_hash))
    request.app[keys.SESSIONS].forget(member.staff_id)
    raise redirect("/admin/staff", "password")


@routes.post("/admin/staff/{staff_id}/active")
async def set_active(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await forms.read_form(request)
    member = await _member(request)
    active = forms.field(form, "active") == "1"
    if member.staff_id == admin.staff_id and not active:
        raise BadRequest("You cannot stop your own account.")
    await request.app[keys.STORE].write(staff.set_active(member.staff_id, active))
    request.app[keys.SESSIONS].forget(member.staff_id)
    raise redirect("/admin/staff", "saved")
