"""Printable login cards: the learner's name, group, PIN or pictures, and a QR code of the
hub's address, eight to an A4 page; and making new sign-in secrets for them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import segno
from aiohttp import web
from markupsafe import Markup

from hubd.storage import roster
from hubd.web import keys
from hubd.web.admin import forms
from hubd.web.admin.guard import current_staff
from hubd.web.learn.identity import PICTURES
from hubd.web.render import render, translate

routes = web.RouteTableDef()


def new_pin() -> str:
    return f"{secrets.randbelow(10_000):04d}"


def new_pictures() -> str:
    """Two different pictures, in order."""
    keys_ = list(PICTURES)
    first = secrets.choice(keys_)
    second = secrets.choice([k for k in keys_ if k != first])
    return f"{first} {second}"


def qr_svg(url: str, title: str) -> Markup:
    """The hub's address as a QR code, inline SVG (segno escapes the title)."""
    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=3, title=title, border=2))  # noqa: S704


async def give_new_secrets(request: web.Request, learner_ids: Sequence[str]) -> None:
    """New PIN and pictures for these learners (their old card stops working)."""
    if not learner_ids:
        return
    app = request.app
    await app[keys.STORE].write(
        roster.set_secrets([(i, new_pin(), new_pictures()) for i in learner_ids])
    )
    app[keys.SECRET_HASHER].wake()
    for learner_id in learner_ids:
        app[keys.SESSIONS].forget(learner_id)


def render_cards(request: web.Request, cards: list[roster.Card], back: str) -> web.Response:
    url = request.app[keys.CONFIG].admin.login_card_url
    address = request.app[keys.CONFIG].admin.login_card_address
    return render(
        request, "admin/cards.html", staff=current_staff(request), cards=cards,
        pictures=PICTURES, url=url, address=address if address != url else "", back=back,
        qr=qr_svg(url, translate(request, "Open this address on the hub's Wi-Fi")),
    )


@routes.get("/admin/groups/{group_id}/cards")
async def group_cards(request: web.Request) -> web.Response:
    group_id = request.match_info["group_id"]
    chosen = request.query.getall("learner", [])
    async with request.app[keys.STORE].reader() as db:
        await roster.get_group(db, group_id)
        cards = await roster.cards(db, group_id, chosen or None)
    return render_cards(request, cards, f"/admin/groups/{group_id}")


@routes.post("/admin/groups/{group_id}/cards")
async def new_group_cards(request: web.Request) -> web.Response:
    """New secrets for the learners who have none on file (or, if asked, for everyone)."""
    group_id = request.match_info["group_id"]
    form = await forms.read_form(request)
    async with request.app[keys.STORE].reader() as db:
        await roster.get_group(db, group_id)
        cards = await roster.cards(db, group_id)
    everyone = forms.field(form, "everyone") == "1"
    await give_new_secrets(
        request, [c.learner_id for c in cards if everyone or (not c.pin and not c.pictures)]
    )
    raise web.HTTPSeeOther(f"/admin/groups/{group_id}/cards")


@routes.get("/admin/learners/{learner_id}/card")
async def learner_card(request: web.Request) -> web.Response:
    learner_id = request.match_info["learner_id"]
    async with request.app[keys.STORE].reader() as db:
        learner = await roster.get_learner(db, learner_id)
        found: list[roster.Card] = []
        for group_id, _ in learner.groups:
            found += await roster.cards(db, group_id, [learner_id])
    return render_cards(request, found[:1], f"/admin/learners/{learner_id}")
