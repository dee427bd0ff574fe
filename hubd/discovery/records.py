"""What the hub announces and what it learns about peers: plain data, no sockets.

Everything here is pure so that it can be tested without a network; it never imports zeroconf.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: The hub's own service type, so hubs find each other among every other web server.
HUB_SERVICE_TYPE = "_learninghub._tcp.local."
#: The generic web service type: phones and laptops that browse for web servers see the hub.
HTTP_SERVICE_TYPE = "_http._tcp.local."

# DNS-SD limits: a label is at most 63 bytes, one TXT string at most 255.
_MAX_LABEL_BYTES = 63
_MAX_TXT_STRING_BYTES = 255
# What a peer may tell us, before we believe it (untrusted input from the network).
_MAX_PEER_NAME = 100
_HUB_ID_RE = re.compile(r"[A-Za-z0-9_-]{4,128}")
_VERSION_RE = re.compile(r"[0-9A-Za-z.+-]{1,32}")


@dataclass(frozen=True, slots=True)
class HubAnnouncement:
    """This hub, as it tells the network about itself."""

    hub_id: str
    name: str
    version: str
    port: int
    host_name: str = "hub"

    @property
    def server(self) -> str:
        """The mDNS host name the hub answers for (`hub.local.`)."""
        return f"{self.host_name}.local."

    def instance_name(self) -> str:
        """The service instance label: the hub's name plus the start of its id, so two hubs
        named alike still differ; dots would split the label, so they become spaces."""
        suffix = f" ({self.hub_id[:8]})"
        base = self.name.replace(".", " ").strip() or "Learning Hub"
        budget = _MAX_LABEL_BYTES - len(suffix.encode())
        return _truncate_utf8(base, budget) + suffix

    def service_name(self, service_type: str) -> str:
        return f"{self.instance_name()}.{service_type}"

    def txt_record(self) -> dict[str, str]:
        """The TXT properties: who the hub is, and where its pages and API are."""
        properties = {
            "id": self.hub_id,
            "v": self.version,
            "name": self.name,
            "path": "/",
            "api": "/api/v1",
        }
        return {
            key: _truncate_utf8(value, _MAX_TXT_STRING_BYTES - len(key.encode()) - 1)
            for key, value in properties.items()
        }


@dataclass(frozen=True, slots=True)
class PeerHub:
    """Another hub on the same network, as it announced itself."""

    hub_id: str
    name: str
    version: str
    addresses: tuple[str, ...]
    port: int

    @property
    def url(self) -> str | None:
        """Where a teacher can open the peer's pages, when it announced an address."""
        if not self.addresses:
            return None
        port = "" if self.port == 80 else f":{self.port}"
        return f"http://{self.addresses[0]}{port}/"


def peer_from_record(
    properties: Mapping[bytes, bytes | None], addresses: Iterable[str], port: int | None
) -> PeerHub | None:
    """A peer from its TXT properties and addresses, or None when the record is not a
    believable hub announcement (anyone on the Wi-Fi can send mDNS)."""
    hub_id = _text(properties.get(b"id"))
    version = _text(properties.get(b"v"))
    name = _text(properties.get(b"name"))
    if hub_id is None or not _HUB_ID_RE.fullmatch(hub_id):
        return None
    if version is None or not _VERSION_RE.fullmatch(version):
        return None
    if name is None or not name.strip() or len(name) > _MAX_PEER_NAME or not name.isprintable():
        return None
    if port is None or not 0 < port < 65536:
        return None
    valid: list[str] = []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            continue
        if ip.version == 4 and str(ip) not in valid:
            valid.append(str(ip))
    return PeerHub(hub_id, name.strip(), version, tuple(sorted(valid, key=_address_order)), port)


class PeerList:
    """The peer hubs seen on the network, keyed by their service name.

    Browsing reports only "this name changed"; each report replaces the whole record for that
    name, so a doubled or missed report does no lasting harm.
    """

    def __init__(self, own_hub_id: str) -> None:
        self._own = own_hub_id
        self._by_service: dict[str, PeerHub] = {}

    def update(self, service_name: str, peer: PeerHub | None) -> bool:
        """Record what a service now says (None: forget it); True if the list changed."""
        key = service_name.lower()
        if peer is None or peer.hub_id == self._own:
            return self._by_service.pop(key, None) is not None
        if self._by_service.get(key) == peer:
            return False
        self._by_service[key] = peer
        return True

    def remove(self, service_name: str) -> bool:
        return self._by_service.pop(service_name.lower(), None) is not None

    def hubs(self) -> tuple[PeerHub, ...]:
        """Each peer hub once (a hub announces itself under one name), sorted by name."""
        unique = {peer.hub_id: peer for peer in self._by_service.values()}
        return tuple(sorted(unique.values(), key=lambda p: (p.name.casefold(), p.hub_id)))


def addresses_to_announce(available: Iterable[str], configured: Iterable[str]) -> tuple[str, ...]:
    """The IPv4 addresses to put in the hub's address records.

    With interfaces configured, only those that are really up now; otherwise every address
    but loopback, which a phone could never reach.
    """
    up = {str(ipaddress.ip_address(a)) for a in available if _is_ipv4(a)}
    wanted = [str(ipaddress.ip_address(a)) for a in configured if _is_ipv4(a)]
    chosen = [a for a in wanted if a in up] if wanted else [
        a for a in up if not ipaddress.ip_address(a).is_loopback
    ]
    return tuple(sorted(set(chosen), key=_address_order))


def parse_interfaces(setting: str) -> tuple[str, ...]:
    """`discovery.interfaces` ("10.42.0.1, 192.168.1.5") as a tuple; "" means all."""
    return tuple(part.strip() for part in setting.split(",") if part.strip())


def _is_ipv4(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 4
    except ValueError:
        return False


def _address_order(address: str) -> tuple[int, ...]:
    return tuple(int(part) for part in address.split("."))


def _text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip()
