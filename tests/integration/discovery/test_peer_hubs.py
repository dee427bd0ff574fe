"""Hubs announce themselves with real zeroconf and see each other, over a private link."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

import hubd
from hubd.config import Config, DiscoverySection, HubSection, StorageSection, WebSection
from hubd.deps import Deps
from hubd.discovery.records import HTTP_SERVICE_TYPE, HUB_SERVICE_TYPE
from hubd.discovery.service import HubDiscovery
from hubd.web import keys
from hubd.web.app import create_app
from tests.conftest import FakeNotifier
from tests.integration.discovery.netns import PrivateNetwork

pytestmark = pytest.mark.slow
BOUND = 15  # seconds: mDNS announces within a second or two; this only stops a hung test


def hub_config(tmp_path: Path, name: str, host_name: str, **discovery: object) -> Config:
    return Config(
        hub=HubSection(name=name, data_dir=tmp_path / host_name),
        web=WebSection(host="127.0.0.1", port=8080),
        storage=StorageSection(min_free_mb=0),
        discovery=DiscoverySection(enabled=True, host_name=host_name, **discovery),  # type: ignore[arg-type]
    )


@asynccontextmanager
async def running_hub(config: Config) -> AsyncIterator[web.Application]:
    """The hub's app with its resources started (database, discovery), as `hubd serve` has."""
    app = create_app(config, Deps(notifier=FakeNotifier()))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        yield app
    finally:
        await runner.cleanup()


async def wait_for(discovery: HubDiscovery, condition: Callable[[HubDiscovery], bool]) -> None:
    async with asyncio.timeout(BOUND):
        await discovery.wait_until(condition)


async def test_two_hubs_list_each_other_and_forget_one_that_stops(
    tmp_path: Path, network: PrivateNetwork
) -> None:
    async with running_hub(hub_config(tmp_path, "Escuela Norte", "hub-a")) as north:
        seen_from_north = north[keys.DISCOVERY]
        async with running_hub(hub_config(tmp_path, "Escuela Sur", "hub-b")) as south:
            seen_from_south = south[keys.DISCOVERY]
            await wait_for(seen_from_north, lambda d: len(d.peers()) == 1)
            await wait_for(seen_from_south, lambda d: len(d.peers()) == 1)
            (peer,) = seen_from_north.peers()
            assert peer.name == "Escuela Sur"
            assert peer.hub_id == south[keys.IDENTITY].hub_id
            assert peer.version == hubd.__version__
            assert peer.url is not None and peer.url.startswith("http://10.77.0.")
            assert seen_from_south.peers()[0].name == "Escuela Norte"
        # The south hub said goodbye when it stopped: the north hub no longer lists it.
        await wait_for(seen_from_north, lambda d: d.peers() == ())


async def test_a_phone_finds_the_hub_as_a_web_server_and_as_hub_local(
    tmp_path: Path, network: PrivateNetwork
) -> None:
    config = hub_config(tmp_path, "Escuela Norte", "hub", interfaces=network.address_a)
    async with running_hub(config) as hub:
        phone = AsyncZeroconf(interfaces=[network.address_b], ip_version=IPVersion.V4Only)
        try:
            name = hub[keys.DISCOVERY].announcement.service_name(HTTP_SERVICE_TYPE)
            info = AsyncServiceInfo(HTTP_SERVICE_TYPE, name)
            assert await info.async_request(phone.zeroconf, BOUND * 1000)
            assert info.port == 8080
            assert info.decoded_properties["path"] == "/"
            assert info.decoded_properties["id"] == hub[keys.IDENTITY].hub_id
            assert info.server == "hub.local."
            assert info.parsed_addresses() == [network.address_a]
            services = await phone.async_get_service_info(
                HUB_SERVICE_TYPE, hub[keys.DISCOVERY].announcement.service_name(HUB_SERVICE_TYPE)
            )
            assert services is not None and services.port == 8080
        finally:
            await phone.async_close()


async def test_hub_announces_again_when_its_address_changes(
    tmp_path: Path, network: PrivateNetwork
) -> None:
    north_config = hub_config(tmp_path, "Escuela Norte", "hub-a", address_check_seconds=0.2)
    async with (
        running_hub(north_config) as north,
        running_hub(hub_config(tmp_path, "Escuela Sur", "hub-b")) as south,
    ):
        seen_from_south = south[keys.DISCOVERY]
        await wait_for(seen_from_south, lambda d: len(d.peers()) == 1)
        assert "10.77.0.9" not in seen_from_south.peers()[0].addresses
        # The classroom's Wi-Fi comes up with a new address after the hub started.
        network.ip("addr", "add", "10.77.0.9/24", "dev", "hub-a")
        await wait_for(north[keys.DISCOVERY], lambda d: "10.77.0.9" in d.addresses)
        await wait_for(
            seen_from_south, lambda d: any("10.77.0.9" in p.addresses for p in d.peers())
        )
