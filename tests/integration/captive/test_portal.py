"""What each platform's "am I online?" check gets from the hub, portal on and off."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hubd.config import Config, PortalSection
from hubd.deps import Deps
from hubd.web.app import create_app

HubClient = TestClient[web.Request, web.Application]
ANDROID_UA = "Dalvik/2.1.0 (Linux; U; Android 8.1.0; SM-J260F Build/M1AJB)"
CHROMEOS_UA = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/120.0"

# (platform, host, path, user agent)
SEES_PORTAL = [
    ("Android", "connectivitycheck.gstatic.com", "/generate_204", ANDROID_UA),
    ("Android (Xiaomi)", "connect.rom.miui.com", "/generate_204", ANDROID_UA),
    ("Android (old)", "clients3.google.com", "/generate_204", ANDROID_UA),
    ("Android (Google app)", "www.google.com", "/gen_204", ANDROID_UA),
    ("ChromeOS", "clients3.google.com", "/generate_204", CHROMEOS_UA),
    ("Windows", "www.msftconnecttest.com", "/connecttest.txt", "Microsoft NCSI"),
    ("Windows (old)", "www.msftncsi.com", "/ncsi.txt", "Microsoft NCSI"),
    ("Firefox", "detectportal.firefox.com", "/canonical.html", "Mozilla/5.0 Firefox/128.0"),
    ("Firefox", "detectportal.firefox.com", "/success.txt", "Mozilla/5.0 Firefox/128.0"),
]
# (platform, host, path, status, body that means "online", extra header)
TOLD_ONLINE = [
    (
        "iPhone",
        "captive.apple.com",
        "/hotspot-detect.html",
        200,
        "<BODY>Success</BODY>",
        None,
    ),
    (
        "macOS",
        "www.apple.com",
        "/library/test/success.html",
        200,
        "<BODY>Success</BODY>",
        None,
    ),
    (
        "NetworkManager (Debian)",
        "nmcheck.gnome.org",
        "/check_network_status.txt",
        200,
        "NetworkManager is online",
        None,
    ),
    ("NetworkManager (Fedora)", "fedoraproject.org", "/static/hotspot.txt", 200, "OK", None),
    (
        "NetworkManager (Ubuntu)",
        "connectivity-check.ubuntu.com",
        "/",
        204,
        "",
        ("X-NetworkManager-Status", "online"),
    ),
]
# What each portal check expects when told "online" (used when the portal is off).
ONLINE_ANSWERS = {
    "/generate_204": (204, ""),
    "/gen_204": (204, ""),
    "/connecttest.txt": (200, "Microsoft Connect Test"),
    "/ncsi.txt": (200, "Microsoft NCSI"),
    "/canonical.html": (200, "support.mozilla.org/kb/captive-portal"),
    "/success.txt": (200, "success"),
}


@pytest.fixture(params=[True, False], ids=["portal-on", "portal-off"])
def portal_on(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
async def hub(config: Config, deps: Deps, portal_on: bool) -> AsyncIterator[HubClient]:
    config = dataclasses.replace(config, portal=PortalSection(enabled=portal_on))
    async with TestClient(TestServer(create_app(config, deps))) as client:
        yield client


@pytest.mark.parametrize(("platform", "host", "path", "agent"), SEES_PORTAL)
async def test_platforms_that_should_see_the_portal(
    hub: HubClient, portal_on: bool, platform: str, host: str, path: str, agent: str
) -> None:
    response = await hub.get(
        path, headers={"Host": host, "User-Agent": agent}, allow_redirects=False
    )
    assert response.headers["Cache-Control"] == "no-store", platform
    if portal_on:
        # The device shows "Sign in to network", which opens the hub's page.
        assert response.status == 302, platform
        assert response.headers["Location"] == "http://hub.lan/"
    else:
        status, body = ONLINE_ANSWERS[path]
        assert response.status == status, platform
        assert body in await response.text()


@pytest.mark.parametrize(("platform", "host", "path", "status", "body", "header"), TOLD_ONLINE)
async def test_platforms_that_are_told_they_are_online(
    hub: HubClient,
    platform: str,
    host: str,
    path: str,
    status: int,
    body: str,
    header: tuple[str, str] | None,
) -> None:
    response = await hub.get(path, headers={"Host": host}, allow_redirects=False)
    assert response.status == status, platform
    assert body in await response.text()
    if header is not None:
        assert response.headers[header[0]] == header[1]


async def test_unknown_web_address_goes_to_the_hub_only_with_the_portal_on(
    hub: HubClient, portal_on: bool
) -> None:
    response = await hub.get(
        "/watch?v=abc", headers={"Host": "www.youtube.com"}, allow_redirects=False
    )
    if portal_on:
        assert response.status == 302
        assert response.headers["Location"] == "http://hub.lan/"
    else:
        assert response.status == 404  # served as the hub itself: it has no such page


@pytest.mark.parametrize(
    "host", ["hub.lan", "HUB.LAN.", "hub", "hub.local", "10.42.0.1", "10.42.0.1:80"]
)
async def test_the_hub_own_names_and_its_address_serve_the_hub(hub: HubClient, host: str) -> None:
    response = await hub.get("/", headers={"Host": host}, allow_redirects=False)
    assert response.status == 200
    assert "Test Hub" in await response.text()
    health = await hub.get("/api/v1/health", headers={"Host": host})
    assert health.status == 200
