"""The captive portal: what the hub answers when a phone checks whether it is online.

On the hub's Wi-Fi the DNS server (dnsmasq in the image) answers every name with the hub's
address, so each platform's connectivity check arrives here with its own Host header. For each
one we choose, per platform, whether the device should see the portal (a "sign in to the
network" prompt that opens the hub's page) or be told "online" so that it keeps the connection
quietly. The reasons are in docs/appliance.md. Any other unknown web address is sent to the
hub's own page.

`portal.enabled = false` turns the portal off: every check is told "online" and unknown
addresses are served as the hub itself.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from hubd.config import Config
from hubd.web import keys
from hubd.web.errors import Handler

_LOGGER = logging.getLogger(__name__)

_APPLE_SUCCESS = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>\n"
_FIREFOX_CANONICAL = (
    '<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'
)
_NM_ONLINE = "NetworkManager is online\n"


@dataclass(frozen=True, slots=True)
class ConnectivityCheck:
    """One platform's "am I online?" request and the answer that means "yes"."""

    platform: str
    path: str
    shows_portal: bool
    status: int = 200
    body: str = ""
    content_type: str = "text/plain"
    headers: tuple[tuple[str, str], ...] = ()
    host: str | None = None  # only for a check whose path alone is too common ("/")
    user_agent: str | None = None  # a substring that tells this platform from another

    def matches(self, host: str, path: str, user_agent: str) -> bool:
        if path != self.path:
            return False
        if self.host is not None and host != self.host:
            return False
        return self.user_agent is None or self.user_agent in user_agent


# Order matters: the first match wins (ChromeOS before Android, which share a path).
CONNECTIVITY_CHECKS: tuple[ConnectivityCheck, ...] = (
    # ChromeOS: its portal window signs in and then hands the connection back.
    ConnectivityCheck("ChromeOS", "/generate_204", True, status=204, user_agent="CrOS"),
    # Android (Google's, Samsung's, Xiaomi's, Huawei's hosts all ask for /generate_204): the
    # "Sign in to Wi-Fi" notification opens the hub, and Android stays on a captive network.
    ConnectivityCheck("Android", "/generate_204", True, status=204),
    ConnectivityCheck("Android", "/gen_204", True, status=204),
    # iPhone, iPad and macOS: told "online". A portal there opens a mini-browser that plays no
    # video well, forgets cookies when closed, and drops the Wi-Fi if "Cancel" is tapped.
    ConnectivityCheck(
        "Apple", "/hotspot-detect.html", False, body=_APPLE_SUCCESS, content_type="text/html"
    ),
    ConnectivityCheck(
        "Apple", "/library/test/success.html", False, body=_APPLE_SUCCESS, content_type="text/html"
    ),
    # Windows opens the default browser at the portal (a real browser, not a mini one).
    ConnectivityCheck("Windows", "/connecttest.txt", True, body="Microsoft Connect Test"),
    ConnectivityCheck("Windows", "/ncsi.txt", True, body="Microsoft NCSI"),
    # Firefox shows a bar with "Open network login page": helpful, never in the way.
    ConnectivityCheck("Firefox", "/success.txt", True, body="success\n"),
    ConnectivityCheck(
        "Firefox", "/canonical.html", True, body=_FIREFOX_CANONICAL, content_type="text/html"
    ),
    # NetworkManager (a teacher's Linux laptop): told "online", so it keeps the hub's network
    # as an ordinary one; the teacher opens hub.lan in the browser.
    ConnectivityCheck("NetworkManager", "/check_network_status.txt", False, body=_NM_ONLINE),
    ConnectivityCheck("NetworkManager", "/nm-check.txt", False, body=_NM_ONLINE),
    ConnectivityCheck("NetworkManager", "/static/hotspot.txt", False, body="OK"),
    ConnectivityCheck(
        "NetworkManager",
        "/",
        False,
        status=204,
        headers=(("X-NetworkManager-Status", "online"),),
        host="connectivity-check.ubuntu.com",
    ),
)


def find_check(host: str, path: str, user_agent: str) -> ConnectivityCheck | None:
    """The connectivity check this request is, if it is one."""
    for check in CONNECTIVITY_CHECKS:
        if check.matches(host, path, user_agent):
            return check
    return None


def hub_host_names(config: Config) -> frozenset[str]:
    """The names under which a browser reaches the hub itself (never redirected)."""
    names = {"hub", "hub.lan", "localhost", f"{config.discovery.host_name}.local"}
    card_host = urlsplit(config.admin.login_card_url).hostname
    if card_host:
        names.add(card_host.lower())
    return frozenset(names)


def request_host_name(host_header: str | None) -> str:
    """The host name of a Host header, lower-case, without port or trailing dot."""
    if not host_header:
        return ""
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8080
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def is_hub_host(host: str, hub_names: Iterable[str]) -> bool:
    """True for the hub's own names and any address literal (a login card's IP)."""
    if not host or host in hub_names:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def portal_url(config: Config) -> str:
    """Where the portal sends people: the address on the learners' login cards."""
    return config.admin.login_card_url.rstrip("/") + "/"


def install(app: web.Application) -> None:
    """Put the portal in front of every route (call in create_app, before startup)."""
    app[keys.HUB_HOST_NAMES] = hub_host_names(app[keys.CONFIG])
    app.middlewares.append(captive_portal)


# Host headers already found to name the hub: every request of a classroom carries one of the
# same few, so the answer is remembered rather than worked out (with an IP parse) each time.
_HUB_HOSTS_SEEN: dict[tuple[frozenset[str], str], bool] = {}
_HUB_HOSTS_SEEN_MAX = 256


def _names_hub(host_header: str | None, hub_names: frozenset[str]) -> bool:
    key = (hub_names, host_header or "")
    known = _HUB_HOSTS_SEEN.get(key)
    if known is None:
        known = is_hub_host(request_host_name(host_header), hub_names)
        if len(_HUB_HOSTS_SEEN) >= _HUB_HOSTS_SEEN_MAX:
            _HUB_HOSTS_SEEN.clear()  # a flood of made-up names only costs the IP parse again
        _HUB_HOSTS_SEEN[key] = known
    return known


@web.middleware
async def captive_portal(request: web.Request, handler: Handler) -> web.StreamResponse:
    config = request.app[keys.CONFIG]
    if _names_hub(request.headers.get("Host"), request.app[keys.HUB_HOST_NAMES]):
        return await handler(request)
    host = request_host_name(request.headers.get("Host"))
    check = find_check(host, request.path, request.headers.get("User-Agent", ""))
    enabled = config.portal.enabled
    if check is not None:
        if enabled and check.shows_portal:
            _LOGGER.debug("Captive portal for %s (%s%s)", check.platform, host, request.path)
            return _redirect(config)
        return _online(check)
    if enabled:
        return _redirect(config)
    return await handler(request)


def _redirect(config: Config) -> web.Response:
    return web.Response(
        status=302,
        headers={"Location": portal_url(config), "Cache-Control": "no-store"},
        text=f"The Learning Hub is at {portal_url(config)}\n",
    )


def _online(check: ConnectivityCheck) -> web.Response:
    # no-store: a phone must ask again next time rather than trust an old answer.
    return web.Response(
        status=check.status,
        body=check.body.encode() if check.status != 204 else None,
        content_type=check.content_type if check.status != 204 else None,
        headers={"Cache-Control": "no-store", **dict(check.headers)},
    )
