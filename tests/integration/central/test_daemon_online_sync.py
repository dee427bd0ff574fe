"""The running hub syncs with `central serve` by itself once `online.central_url` is set."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from central import hubs
from central.db import open_database
from central.web import create_app as central_app
from hubd.config import (
    Config,
    FleetSection,
    HubSection,
    OnlineSection,
    StorageSection,
    UsbSection,
    WebSection,
)
from hubd.deps import Deps
from hubd.fleet import save_trust
from hubd.storage import hub_status
from hubd.sync_session import HubSync
from hubd.sync_session.online_service import OnlineSync
from hubd.web import keys
from hubd.web.app import create_app as hub_app
from tests.integration.admin.staffroom import set_up_hub
from tests.integration.central.centralkit import open_central, wall_ms
from tests.integration.central.test_online_sync import _enrol
from tests.integration.sync.hubkit import learn, register
from tests.unit.bundle.bundlekit import Fleet, pub

HubClient = TestClient[web.Request, web.Application]
WAIT = 60.0  # a bound, never a pace: every wait ends as soon as the hub has done it


def hub_config(fleet: Fleet, root: Path, url: str) -> Config:
    config = Config(
        hub=HubSection(name="Escuela 14", data_dir=root),
        web=WebSection(host="127.0.0.1", port=0),
        storage=StorageSection(min_free_mb=0),
        fleet=FleetSection(id=fleet.trust.fleet, root_public_key=pub(fleet.root)),
        usb=UsbSection(mounter="off"),
        online=OnlineSection(
            central_url=url, check_seconds=0.05, max_pause_seconds=0.4, interval_seconds=0.2
        ),
    )
    root.mkdir(parents=True, exist_ok=True)
    save_trust(config, fleet.trust)
    return config


@asynccontextmanager
async def running_hub(config: Config, deps: Deps) -> AsyncIterator[HubClient]:
    async with TestClient(TestServer(hub_app(config, deps))) as client:
        yield client


def sync_parts(client: HubClient) -> tuple[HubSync, OnlineSync]:
    app = client.app
    assert app is not None
    hub = HubSync(
        app[keys.CONFIG],
        app[keys.STORE],
        app[keys.CLOCK],
        app[keys.IDENTITY],
        app[keys.HUB_KEYS],
        app[keys.DEPS].wall_ms,
    )
    return hub, app[keys.ONLINE_SYNC]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_hub_with_central_url_syncs_by_itself(
    fleet: Fleet, tmp_path: Path, database_url: str, deps: Deps
) -> None:
    with open_central(fleet, tmp_path / "central", database_url) as central:
        central_config = central.config
    server = TestServer(central_app(central_config))
    await server.start_server()
    try:
        url = str(server.make_url("/"))
        config = hub_config(fleet, tmp_path / "hub", url)
        async with running_hub(config, deps) as client:
            hub, service = sync_parts(client)
            learner = await register(hub, "Amina")
            await learn(hub, learner, [("lesson_started", {}), ("time_spent", {"seconds": 40})])
            # Not approved yet: the hub asked to join by itself, central refuses its progress.
            await service.wait_for(lambda s: s.last is not None, WAIT)
            assert service.last is not None and service.last.outcome == "refused"
            assert "not enrolled" in service.last.detail
            db = open_database(central_config.database)
            try:
                waiting = [r.hub_id for r in hubs.list_hubs(db) if r.status == "waiting"]
                assert waiting == [hub.keys.key_id]
                hubs.decide(db, hub.keys.key_id, True, wall_ms())
                await service.wait_for(
                    lambda s: s.last is not None and s.last.outcome == "synced", WAIT
                )
                with db.transaction() as tx:
                    arrived = tx.execute(
                        "SELECT event_type FROM entries WHERE learner_id = ? AND kind = 'event'"
                        " ORDER BY seq",
                        (learner,),
                    )
            finally:
                db.close()
            assert [r[0] for r in arrived] == ["lesson_started", "time_spent"]
            # Central's reply came back: everything is acknowledged, nothing waits to leave.
            async with hub.store.reader() as reader:
                waiting_now = await hub_status.waiting_to_leave(reader, hub.identity)
            assert (waiting_now.events, waiting_now.changes) == (0, 0)
            await set_up_hub(client)
            page = await (await client.get("/admin/hub")).text()
            assert "Last online sync" in page and "done" in page
            assert "the online database has this hub&#39;s progress" in page
    finally:
        await server.close()


async def test_central_down_is_logged_and_tried_again_later(
    fleet: Fleet, tmp_path: Path, database_url: str, deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hubd.sync_session")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open_central(fleet, tmp_path / "central", database_url) as central:
        config = hub_config(fleet, tmp_path / "hub", url)
        async with running_hub(config, deps) as client:
            hub, service = sync_parts(client)
            await register(hub, "Bilal")
            await service.wait_for(lambda s: s.misses >= 3, WAIT)
            assert service.last is not None and service.last.outcome == "unreachable"
            warnings = [
                r.getMessage()
                for r in caplog.records
                if r.levelno == logging.WARNING and "cannot be reached" in r.getMessage()
            ]
            assert len(warnings) >= 3
            assert warnings[0] == f"Central at {url} cannot be reached; looking again in 0 s"
            # The pause grows with each miss, up to the bound (0.05, 0.1, 0.2, 0.4, 0.4 s).
            assert service._miss_pause(2) == 0.1 and service._miss_pause(9) == 0.4
            # The hub goes on serving; the page says what happened.
            assert (await client.get("/")).status == 200
            await set_up_hub(client)
            page = await (await client.get("/admin/hub")).text()
            assert "could not be reached; the hub tries again later" in page
            # Central comes up (approved meanwhile by a stick's enrolment): the next look syncs.
            _enrol(central, [hub.keys], tmp_path / "stick")
            server = TestServer(central_app(central.config), port=port)
            await server.start_server()
            try:
                await service.wait_for(
                    lambda s: s.last is not None and s.last.outcome == "synced", WAIT
                )
            finally:
                await server.close()
            assert service.misses == 0
