"""The edge that talks to python-zeroconf: announce this hub, browse for peers, re-announce
when the hub's addresses change. One `HubDiscovery` per hub, started and stopped by the web
app's cleanup context (`hubd.discovery.context`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

import ifaddr
from zeroconf import InterfaceChoice, IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from hubd.discovery.records import (
    HTTP_SERVICE_TYPE,
    HUB_SERVICE_TYPE,
    HubAnnouncement,
    PeerHub,
    PeerList,
    addresses_to_announce,
    peer_from_record,
)

_LOGGER = logging.getLogger(__name__)
_RESOLVE_TIMEOUT_MS = 3000


def current_ipv4_addresses() -> list[str]:
    """Every IPv4 address on this machine's interfaces right now."""
    return [
        str(ip.ip)
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if isinstance(ip.ip, str)
    ]


class HubDiscovery:
    """Announces the hub on mDNS and keeps the list of peer hubs it hears."""

    def __init__(
        self,
        announcement: HubAnnouncement,
        *,
        interfaces: Iterable[str] = (),
        address_check_seconds: float = 10.0,
        read_addresses: Callable[[], list[str]] = current_ipv4_addresses,
    ) -> None:
        self.announcement = announcement
        self._interfaces = tuple(interfaces)
        self._check_every = address_check_seconds
        self._read_addresses = read_addresses
        self._peers = PeerList(announcement.hub_id)
        self._changed = asyncio.Condition()
        self._addresses: tuple[str, ...] = ()
        self._zeroconf: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._watcher: asyncio.Task[None] | None = None

    @property
    def addresses(self) -> tuple[str, ...]:
        """The addresses the hub announces now."""
        return self._addresses

    def peers(self) -> tuple[PeerHub, ...]:
        """The other hubs on the network, sorted by name (for the admin page)."""
        return self._peers.hubs()

    async def wait_until(self, condition: Callable[[HubDiscovery], bool]) -> None:
        """Return once `condition(self)` holds; it is checked whenever peers or addresses
        change. The caller bounds the wait (asyncio.timeout)."""
        async with self._changed:
            await self._changed.wait_for(lambda: condition(self))

    async def start(self) -> None:
        interfaces = list(self._interfaces) or InterfaceChoice.All
        self._zeroconf = AsyncZeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only)
        self._addresses = addresses_to_announce(self._read_addresses(), self._interfaces)
        # Both services probe at once: registering takes a second or two, not twice that.
        announced = [
            await self._zeroconf.async_register_service(info, allow_name_change=True)
            for info in self._service_infos()
        ]
        await asyncio.gather(*announced)
        self._browser = AsyncServiceBrowser(
            self._zeroconf.zeroconf, [HUB_SERVICE_TYPE], handlers=[self._on_service_change]
        )
        self._watcher = asyncio.create_task(self._watch_addresses(), name="hubd-mdns-addresses")
        _LOGGER.info(
            "Announcing %s as %s on %s",
            self.announcement.instance_name(),
            self.announcement.server,
            ", ".join(self._addresses) or "no address yet",
        )

    async def stop(self) -> None:
        """Say goodbye on the network and close every socket and task."""
        tasks = [t for t in (self._watcher, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._browser is not None:
            await self._browser.async_cancel()
            self._browser = None
        if self._zeroconf is not None:
            await self._zeroconf.async_close()  # sends the goodbye packets
            self._zeroconf = None

    def _service_infos(self) -> list[AsyncServiceInfo]:
        hub = self.announcement
        return [
            AsyncServiceInfo(
                service_type,
                hub.service_name(service_type),
                port=hub.port,
                properties=hub.txt_record(),
                server=hub.server,
                parsed_addresses=list(self._addresses),
            )
            for service_type in (HUB_SERVICE_TYPE, HTTP_SERVICE_TYPE)
        ]

    async def _watch_addresses(self) -> None:
        # The Wi-Fi access point (or a cable) can come up after the hub has started, and a
        # cable network can hand out a new lease: re-announce whenever the addresses move.
        while True:
            await asyncio.sleep(self._check_every)
            try:
                await self.check_addresses()
            except Exception:
                _LOGGER.exception("Could not re-announce the hub's new addresses")

    async def check_addresses(self) -> bool:
        """Re-announce if the addresses changed since the last announcement."""
        assert self._zeroconf is not None
        now = addresses_to_announce(self._read_addresses(), self._interfaces)
        if now == self._addresses:
            return False
        _LOGGER.info(
            "The hub's addresses changed from %s to %s: announcing again",
            ", ".join(self._addresses) or "none",
            ", ".join(now) or "none",
        )
        self._addresses = now
        await self._zeroconf.async_update_interfaces()
        updated = [await self._zeroconf.async_update_service(i) for i in self._service_infos()]
        await asyncio.gather(*updated)
        await self._notify()
        return True

    def _on_service_change(
        self,
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        # Called from zeroconf's listener; do the resolving in a kept task.
        task = asyncio.create_task(self._refresh_peer(zeroconf, service_type, name, state_change))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refresh_peer(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Removed:
            changed = self._peers.remove(name)
        else:
            info = AsyncServiceInfo(service_type, name)
            if not await info.async_request(zeroconf, _RESOLVE_TIMEOUT_MS):
                return
            peer = peer_from_record(
                info.properties, info.parsed_addresses(IPVersion.V4Only), info.port
            )
            if peer is None:
                _LOGGER.debug("Ignoring %s: not a believable hub announcement", name)
            changed = self._peers.update(name, peer)
            if changed and peer is not None:
                _LOGGER.info("Peer hub %s (%s) at %s", peer.name, peer.hub_id, peer.url)
        if changed:
            await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

