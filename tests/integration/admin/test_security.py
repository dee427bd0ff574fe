"""Every admin page refuses strangers and learners; every form checks its CSRF token; names
with markup are shown as text everywhere."""

from __future__ import annotations

import re

import pytest

from hubd.storage import learning
from hubd.web import keys
from hubd.web.admin.guard import PUBLIC_PATHS, is_admin_path
from hubd.web.sessions import LEARNER_COOKIE, STAFF_COOKIE
from tests.integration.admin.staffroom import (
    HubClient,
    hashes_ready,
    make_group,
    post_form,
    set_up_hub,
)

HOSTILE = "<script>alert('x')</script> أحمد 🦊 \"quoted\" & <b>bold</b>"


def admin_routes(client: HubClient) -> list[tuple[str, str]]:
    """(method, path) of every admin route, with sample values for its variables."""
    found = []
    for route in client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if (is_admin_path(path) or path == "/setup") and route.method != "HEAD":
            found.append((route.method, re.sub(r"\{[^}]+\}", "x1", path)))
    return found


async def test_the_router_has_the_admin_pages(client: HubClient) -> None:
    routes = admin_routes(client)
    assert len(routes) > 25
    assert ("GET", "/admin/groups/x1") in routes


async def test_every_admin_route_refuses_anonymous_requests(client: HubClient) -> None:
    await set_up_hub(client)
    client.session.cookie_jar.clear()
    for method, path in admin_routes(client):
        if path in PUBLIC_PATHS or path == "/setup":
            continue
        response = await client.request(method, path, allow_redirects=False)
        if method == "GET":
            assert response.status == 303, (method, path)
            assert response.headers["Location"].startswith("/admin/login"), path
        else:
            assert response.status == 401, (method, path, response.status)


async def test_every_admin_route_refuses_a_learner_session(client: HubClient) -> None:
    await set_up_hub(client)
    group_id = await make_group(client, "Clase 4B", sign_in="none")
    await post_form(
        client, "/admin/learners", {"name": "Lina", "group": group_id}, page="/admin/learners"
    )
    async with client.app[keys.STORE].reader() as db:
        (learner,) = await learning.group_learners(db, group_id)
    token = await client.app[keys.STORE].write(learning.record_sign_in(learner.learner_id, 1))
    client.session.cookie_jar.clear()
    for cookie in (LEARNER_COOKIE, STAFF_COOKIE):  # a learner token is no staff token either
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies({cookie: token}, client.make_url("/admin"))
        for method, path in admin_routes(client):
            if path in PUBLIC_PATHS or path == "/setup":
                continue
            response = await client.request(method, path, allow_redirects=False)
            assert response.status in (303, 401), (cookie, method, path, response.status)


async def test_every_admin_form_refuses_a_missing_or_wrong_csrf_token(client: HubClient) -> None:
    await set_up_hub(client)
    group_id = await make_group(client, "Clase 4B")
    before = await _row_counts(client)
    for method, path in admin_routes(client):
        if method != "POST":
            continue
        path = path.replace("x1", group_id, 1) if "/groups/" in path else path
        for data in ({}, {"csrf": "not-the-token", "name": "Changed"}):
            response = await client.post(path, data=data, allow_redirects=False)
            assert response.status == 403, (path, data, response.status)
    assert await _row_counts(client) == before


async def _row_counts(client: HubClient) -> dict[str, int]:
    counts = {}
    async with client.app[keys.STORE].reader() as db:
        for table in ("staff", "learners", "learner_groups", "assignments", "register_changes"):
            row = await (await db.execute(f"SELECT count(*) FROM {table}")).fetchone()
            assert row is not None
            counts[table] = int(row[0])
    return counts


@pytest.mark.parametrize("where", ["form", "csv"])
async def test_names_with_markup_are_shown_as_text_everywhere(
    client: HubClient, where: str
) -> None:
    await set_up_hub(client)
    group_id = await make_group(client, HOSTILE[:60])
    if where == "form":
        await post_form(
            client, "/admin/learners", {"name": HOSTILE, "group": group_id}, page="/admin/learners"
        )
    else:
        token_page = await client.get("/admin/import")
        token = re.search(r'name="csrf" value="([^"]+)"', await token_page.text())
        assert token
        csv = f'name;group\n"{HOSTILE.replace(chr(34), chr(34) * 2)}";{HOSTILE[:60]}\n'
        form = {"csrf": token.group(1), "group": "", "sign_in": "pin"}
        import aiohttp

        data = aiohttp.FormData(form)
        data.add_field("file", csv.encode(), filename="clase.csv", content_type="text/csv")
        preview = await client.post("/admin/import", data=data)
        body = await preview.text()
        assert "<script>alert" not in body and "&lt;script&gt;" in body
        text = re.search(r'name="text" value="([^"]*)"', body)
        assert text
        import html

        await post_form(
            client,
            "/admin/import/confirm",
            {"text": html.unescape(text.group(1)), "group": "", "sign_in": "pin"},
            page="/admin/import",
        )
    await hashes_ready(client)
    async with client.app[keys.STORE].reader() as db:
        row = await (await db.execute("SELECT learner_id FROM learners")).fetchone()
    assert row is not None
    learner_id = row[0]
    pages = [
        "/admin",
        "/admin/learners",
        f"/admin/learners/{learner_id}",
        f"/admin/learners/{learner_id}/card",
        f"/admin/groups/{group_id}",
        f"/admin/groups/{group_id}/cards",
        "/admin/reports",
        "/admin/hub",
    ]
    for path in pages:
        response = await client.get(path)
        assert response.status == 200, path
        body = await response.text()
        assert "<script>alert" not in body and "<b>bold" not in body, path
    learner_page = await (await client.get(f"/admin/learners/{learner_id}")).text()
    assert "&lt;script&gt;alert(" in learner_page and "أحمد 🦊" in learner_page
    exported = await (await client.get("/admin/learners?format=csv")).text()
    assert "أحمد 🦊" in exported


async def test_csv_export_defuses_spreadsheet_formulas(client: HubClient) -> None:
    await set_up_hub(client)
    group_id = await make_group(client, "Clase")
    await post_form(
        client,
        "/admin/learners",
        {"name": '=HYPERLINK("http://x")', "group": group_id},
        page="/admin/learners",
    )
    exported = await (await client.get("/admin/learners?format=csv")).text()
    assert "'=HYPERLINK" in exported
