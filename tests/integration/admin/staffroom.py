"""Helpers for the teachers' pages tests: a hub with an administrator signed in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestClient

from hubd.web import keys

HubClient = TestClient[web.Request, web.Application]
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
ADMIN_PASSWORD = "correct horse battery"


async def csrf_from(client: HubClient, path: str) -> str:
    """Load a page as a browser would and take its forms' CSRF token."""
    page = await client.get(path)
    text = await page.text()
    match = CSRF_RE.search(text)
    assert match, f"no form on {path} ({page.status}): {text[:300]}"
    return match.group(1)


async def post_form(
    client: HubClient,
    path: str,
    data: dict[str, str] | list[tuple[str, str]],
    *,
    page: str | None = None,
) -> tuple[int, str, str]:
    """Post a form with the CSRF token of `page` (default: the same path); returns
    (status, final path, body) after redirects."""
    token = await csrf_from(client, page or path)
    fields = list(data.items()) if isinstance(data, dict) else list(data)
    response = await client.post(path, data=[*fields, ("csrf", token)])
    return response.status, response.url.path, await response.text()


@dataclass
class Admin:
    username: str = "director"
    password: str = ADMIN_PASSWORD


async def set_up_hub(client: HubClient, admin: Admin | None = None) -> Admin:
    """First-run setup through the page, which also signs the administrator in."""
    admin = admin or Admin()
    status, path, body = await post_form(
        client,
        "/setup",
        {
            "display_name": "Directora Ana",
            "username": admin.username,
            "password": admin.password,
            "password2": admin.password,
        },
    )
    assert status == 200 and path == "/admin", body[:500]
    return admin


async def sign_in(client: HubClient, username: str, password: str) -> tuple[int, str, str]:
    return await post_form(
        client, "/admin/login", {"username": username, "password": password, "next": "/admin"}
    )


async def make_group(client: HubClient, name: str, sign_in: str = "pin") -> str:
    status, path, body = await post_form(
        client, "/admin/groups", {"name": name, "sign_in": sign_in}, page="/admin"
    )
    assert status == 200 and path.startswith("/admin/groups/"), body[:500]
    return path.rsplit("/", 1)[1]


async def hashes_ready(client: HubClient) -> None:
    """Wait until the background hasher has made every pending sign-in hash."""
    client.app[keys.SECRET_HASHER].wake()
    await client.app[keys.SECRET_HASHER].wait_idle()
