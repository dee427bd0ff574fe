"""Hostile input on every route of the hub: a signed-in teacher's and a learner's cookies, and
path parts, query strings and bodies no browser sends (path tricks, bytes that are not UTF-8,
JSON of the wrong shape, forms with absurd fields). Each answer is a clear 4xx or a normal
page, never a server error or a traceback, and nothing is stored."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from hubd.web import keys
from tests.integration.admin.staffroom import csrf_from, set_up_hub
from tests.integration.web.test_progress_api import sign_in_learner

Client = TestClient[web.Request, web.Application]
PARTS = ["..%2F..%2Fetc%2Fpasswd", "%00", "a" * 3000, "%FF%FE", "'\"<x>", "🙂"]
QUERY = "?q={v}&lang={v}&from={v}&to={v}&group={v}&file={v}&download={v}&next={v}"
FORM = {
    "name": "a" * 5000, "group": "nope", "pin": "12", "time": "2099-99-99T99:99",
    "username": "\u0000", "password": "x", "password2": "y", "language": "zz",
    "course": "../x", "keep": "zz", "sign_in": "zz", "next": "http://elsewhere.example/",
    "event_id": "not-a-uuid", "answer": "-1", "question": "../../q",
}  # fmt: skip


async def stored(client: Client) -> dict[str, int]:
    counts = {}
    async with client.app[keys.STORE].reader() as db:
        for table in ("learners", "learner_groups", "staff", "progress_events", "courses"):
            row = await (await db.execute(f"SELECT count(*) FROM {table}")).fetchone()
            counts[table] = int(row[0]) if row else -1
    return counts


def routes(app: web.Application) -> list[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if path and route.method in ("GET", "POST"):
            found.add((route.method, str(path)))
    return sorted(found)


async def test_no_route_answers_hostile_input_with_a_server_error(client: Client) -> None:
    await set_up_hub(client)
    _, learner = await sign_in_learner(client)
    token = await csrf_from(client, "/admin/learners")
    before = await stored(client)
    table = routes(client.app)
    assert len(table) > 50, table
    failures: list[str] = []

    def check(what: str, status: int, body: bytes) -> None:
        if status >= 500 or b"Traceback" in body:
            failures.append(f"{what}: {status} {body[:120]!r}")

    for method, template in table:
        has_parts = "{" in template
        for part in PARTS if has_parts else PARTS[:2]:
            url = re.sub(r"\{[^}]+\}", part, template) + QUERY.format(v=part)
            headers = {"Cookie": learner["Cookie"]} if part == PARTS[0] else {}
            if method == "GET":
                response = await client.get(url, allow_redirects=False, headers=headers)
                check(f"GET {url[:80]}", response.status, await response.read())
                continue
            bodies: list[dict[str, Any]] = [
                {"data": {**FORM, "csrf": token}},
                {"data": b"\xff\xfe\x00garbage",
                 "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
                {"data": b"--x\r\nbroken", "headers": {"Content-Type": "multipart/form-data"}},
                {"json": {"events": "x", "sent_ms": "soon"}},
                {"json": [1, 2, {"events": [None]}]},
            ]  # fmt: skip
            for body in bodies:
                sent = {**body, "headers": {**headers, **body.get("headers", {})}}
                response = await client.post(url, allow_redirects=False, **sent)
                check(f"POST {url[:80]} {str(body)[:40]}", response.status, await response.read())
            if not has_parts:
                break
    assert failures == [], "\n".join(failures[:20])
    assert await stored(client) == before
