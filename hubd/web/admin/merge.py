"""Merging two records of the same child: find the other record, compare, choose, confirm.

The merge is a register change (``learner/<merged>/merged_into = <kept>``), logged with the
hub's sequence like every teacher's edit, so it travels by stick and online to central and to
every hub that holds either record. The record not kept is also deactivated, so that the child
signs in with the kept one only; nothing is deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from hubd.errors import BadRequest, HubError
from hubd.storage import reports, roster
from hubd.storage.identity import HubIdentity
from hubd.storage.reports import Period
from hubd.storage.sync_moves import merge_learners
from hubd.web import keys
from hubd.web.admin import forms
from hubd.web.admin.guard import current_staff
from hubd.web.admin.notices import redirect
from hubd.web.admin.period import hlc_day, utc_offset_ms
from hubd.web.render import render

MAX_CANDIDATES = 50


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """One record as the teacher compares it: who, where, how far."""

    learner: roster.LearnerRow
    courses: int
    lessons_done: int
    active_days: int
    last_seen: str


def merge_records(
    hub: HubIdentity, hlc: int, keep_id: str, merged_id: str
) -> Callable[[sqlite3.Connection], None]:
    """A write function: the merge register and the merged record's deactivation, in one
    transaction; both are register changes that travel like every teacher's edit."""

    def write(conn: sqlite3.Connection) -> None:
        merge_learners(hub, hlc, keep_id, merged_id)(conn)
        roster.set_learner_active(hub, hlc, merged_id, False)(conn)

    return write


async def _summary(request: web.Request, learner_id: str) -> RecordSummary:
    async with request.app[keys.STORE].reader() as db:
        learner = await roster.get_learner(db, learner_id)
        figures = await reports.learner_course_figures(
            db, Period(utc_offset_ms=utc_offset_ms()), learner_id=learner_id
        )
    seen = [f.last_seen_hlc for f in figures if f.last_seen_hlc is not None]
    return RecordSummary(
        learner,
        len(figures),
        sum(f.lessons_done for f in figures),
        sum(f.active_days for f in figures),
        hlc_day(request, max(seen) if seen else None),
    )


async def _require_unmerged(request: web.Request, learner_id: str) -> None:
    async with request.app[keys.STORE].reader() as db:
        await roster.get_learner(db, learner_id)
        if await roster.merged_into(db, learner_id) is not None:
            raise BadRequest("This record was already merged into another one.")


async def merge_page(request: web.Request) -> web.Response:
    """Step 1: find the other record (search); step 2 (`?other=ID`): compare and choose."""
    return await _merge_page(request)


async def _merge_page(
    request: web.Request, *, status: int = 200, error: str = "", other_id: str = ""
) -> web.Response:
    learner_id = request.match_info["learner_id"]
    await _require_unmerged(request, learner_id)
    this = await _summary(request, learner_id)
    other_id = other_id or request.query.get("other", "")
    other = None
    candidates: list[roster.LearnerRow] = []
    search = request.query.get("q", "").strip()[:80]
    if other_id:
        if other_id == learner_id:
            raise BadRequest("Choose two different learners to merge.")
        await _require_unmerged(request, other_id)
        other = await _summary(request, other_id)
    else:
        if "q" not in request.query:  # a first guess: records that share the first name
            search = this.learner.display_name.split()[0][:80]
        async with request.app[keys.STORE].reader() as db:
            found = await roster.list_learners(db, search=search, limit=MAX_CANDIDATES + 1)
        candidates = [c for c in found if c.learner_id != learner_id][:MAX_CANDIDATES]
    return render(
        request,
        "admin/merge.html",
        status=status,
        staff=current_staff(request),
        this=this,
        other=other,
        candidates=candidates,
        search=search,
        error=error,
    )


async def confirm_merge(request: web.Request) -> web.Response:
    """Step 3: the teacher confirmed; merge the record not kept into the kept one."""
    learner_id = request.match_info["learner_id"]
    form = await forms.read_form(request)
    other_id = forms.field(form, "other")
    keep_id = forms.field(form, "keep")
    app = request.app
    try:
        if not other_id or other_id == learner_id:
            raise BadRequest("Choose two different learners to merge.")
        if keep_id not in (learner_id, other_id):
            raise BadRequest("Choose the record to keep.")
        merged_id = other_id if keep_id == learner_id else learner_id
        await _require_unmerged(request, keep_id)
        await _require_unmerged(request, merged_id)
        await app[keys.STORE].write(
            merge_records(app[keys.IDENTITY], forms.now_hlc(request), keep_id, merged_id)
        )
    except HubError as exc:
        if exc.status == 404:
            raise
        return await _merge_page(
            request,
            status=exc.status,
            error=forms.message(request, exc.message),
            other_id=other_id if other_id and other_id != learner_id else "",
        )
    app[keys.SESSIONS].forget(merged_id)
    raise redirect(f"/admin/learners/{keep_id}", "merged")
