"""Online sync over HTTP with `central serve`: same bundles, same merge, bounded retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from central import hubs
from central.ingest import ingest_folder
from central.web import create_app
from hubd.bundle import generate_hub_identity, write_enrolment
from hubd.storage.sync_moves import send_learner_to
from hubd.sync_session.online import CentralRefused, CentralUnreachable, sync_online
from tests.integration.central.centralkit import (
    Central,
    add_operator,
    open_central,
    sign_in,
    wall_ms,
)
from tests.integration.sync.hubkit import learn, open_hub, register
from tests.unit.bundle.bundlekit import Fleet


async def _serve(app: web.Application) -> AsyncIterator[str]:
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("/"))
    finally:
        await server.close()


def _enrol(central: Central, keys_list: list[object], stick: Path) -> None:
    stick.mkdir(exist_ok=True)
    for n, keys in enumerate(keys_list):
        write_enrolment(keys, stick / f"enrol-{n}", fleet=central.keys.trust.fleet)  # type: ignore[arg-type]
    ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
    for row in hubs.list_hubs(central.db):
        hubs.decide(central.db, row.hub_id, True, wall_ms())


async def test_two_online_hubs_share_a_learner_who_moved(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    keys_b = generate_hub_identity()
    with open_central(fleet, tmp_path / "central", database_url) as central:
        _enrol(central, [fleet.hub, keys_b], tmp_path / "stick")
        add_operator(central)
        config = central.config
    async for url in _serve(create_app(config)):
        async with (
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session,
            open_hub(fleet, tmp_path / "hub-a") as hub_a,
            open_hub(fleet, tmp_path / "hub-b", keys_b) as hub_b,
        ):
            learner = await register(hub_a, "Amina")
            await learn(hub_a, learner, [("time_spent", {"seconds": 25})])
            hlc = hub_a.clock.now(hub_a.wall_ms())
            await hub_a.store.write(send_learner_to(hub_a.identity, hlc, learner, keys_b.key_id))
            first = await sync_online(hub_a, session, url)
            assert first.acknowledged > 0
            report = await sync_online(hub_b, session, url)
            assert report.learners_arrived == 1 and report.events_added == 1
            # Nothing new: a round changes nothing.
            again = await sync_online(hub_b, session, url)
            assert (again.learners_arrived, again.events_added) == (0, 0)
            # The operators' pages need a signed-in operator; the hubs' endpoint never did.
            assert (await sign_in(session, url)).status == 200
            async with session.get(url) as page:
                text = await page.text()
            assert hub_a.identity.hub_id in text and "All hubs" in text
            async with session.get(url + "figures.csv") as csv:
                assert (await csv.text()).startswith("hub_id,name,registered_learners")


async def test_a_hub_that_is_not_enrolled_is_told_so(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    with open_central(fleet, tmp_path / "central", database_url) as central:
        config = central.config
    async for url in _serve(create_app(config)):
        async with aiohttp.ClientSession() as session, open_hub(fleet, tmp_path / "hub") as hub:
            with pytest.raises(CentralRefused, match="not enrolled"):
                await sync_online(hub, session, url)


async def test_retries_are_bounded_and_pause_longer_each_time(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    with open_central(fleet, tmp_path / "central", database_url) as central:
        _enrol(central, [fleet.hub], tmp_path / "stick")
        config = central.config
    failures = {"left": 2}

    @web.middleware
    async def flaky(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if failures["left"] > 0:
            failures["left"] -= 1
            await request.read()
            return web.Response(status=503)
        return await handler(request)

    app = create_app(config)
    app.middlewares.append(flaky)
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    async for url in _serve(app):
        async with aiohttp.ClientSession() as session, open_hub(fleet, tmp_path / "hub") as hub:
            await register(hub, "Amina")
            report = await sync_online(hub, session, url, sleep=sleep)
            assert report.acknowledged > 0 and pauses == [2.0, 4.0]
            pauses.clear()
            with pytest.raises(CentralUnreachable):
                await sync_online(hub, session, "http://127.0.0.1:9/", attempts=3, sleep=sleep)
            assert pauses == [2.0, 4.0]
