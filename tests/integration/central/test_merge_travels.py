"""A teacher's merge of two records of one child travels: to central, and to another hub that
holds one of the records, by stick and online alike."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from central.figures import TOTAL, programme_figures
from central.ingest import ingest_folder
from central.publish import publish
from central.web import create_app
from hubd.bundle import generate_hub_identity
from hubd.storage.sync_moves import send_learner_to
from hubd.sync_session import HubSync
from hubd.sync_session.online import sync_online
from hubd.sync_session.stick_folder import sync_with_folder
from hubd.web.admin.merge import merge_records
from tests.integration.central.centralkit import Central, open_central, wall_ms
from tests.integration.central.test_online_sync import _enrol
from tests.integration.sync.hubkit import learn, open_hub, register
from tests.unit.bundle.bundlekit import Fleet


async def by_stick(hub: HubSync, central: Central, stick: Path) -> None:
    """A technician's visit: the hub writes its progress, central ingests it and publishes
    a reply, and the next visit applies it."""
    stick.mkdir(exist_ok=True)
    result = await sync_with_folder(hub, stick)
    # The reply of the last visit is still on the stick: it is seen again and left alone.
    assert not result.problems, result.problems
    outcomes = ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
    assert all(o.applied for o in outcomes), [o.message for o in outcomes]
    publish(central.db, central.reply_keys, stick, wall_ms, budget_bytes=32 << 20)
    result = await sync_with_folder(hub, stick)
    assert not result.problems, result.problems


async def learner_rows(hub: HubSync, sql: str, *args: object) -> list[tuple[object, ...]]:
    async with hub.store.reader() as db:
        return [tuple(r) for r in await (await db.execute(sql, args)).fetchall()]


async def test_a_merge_reaches_central_and_the_other_hub(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    keys_b = generate_hub_identity()
    with open_central(fleet, tmp_path / "central", database_url) as central:
        _enrol(central, [fleet.hub, keys_b], tmp_path / "enrol-stick")
        server = TestServer(create_app(central.config))
        await server.start_server()
        url = str(server.make_url("/"))
        try:
            async with (
                aiohttp.ClientSession() as session,
                open_hub(fleet, tmp_path / "hub-a") as hub_a,
                open_hub(fleet, tmp_path / "hub-b", keys_b) as hub_b,
            ):
                # The child was registered at hub B, moved to A and was registered again there.
                first = await register(hub_b, "Amina")
                await learn(hub_b, first, [("time_spent", {"seconds": 25})])
                second = await register(hub_a, "Amina D")
                await learn(hub_a, second, [("time_spent", {"seconds": 40})])
                hlc = hub_b.clock.now(hub_b.wall_ms())
                await hub_b.store.write(
                    send_learner_to(hub_b.identity, hlc, first, fleet.hub.key_id)
                )
                await by_stick(hub_b, central, tmp_path / "stick")
                arrived = await sync_online(hub_a, session, url)
                assert arrived.learners_arrived == 1

                # Hub A's teacher merges A's new record into the one with the history.
                hlc = hub_a.clock.now(hub_a.wall_ms())
                await hub_a.store.write(merge_records(hub_a.identity, hlc, first, second))
                await sync_online(hub_a, session, url)

                with central.db.transaction() as tx:
                    merge = tx.one(
                        "SELECT value FROM registers WHERE register_key = ?",
                        (f"learner/{second}/merged_into",),
                    )
                assert merge == (json.dumps(first),)
                total = next(
                    f for f in programme_figures(central.db, wall_ms()) if f.hub_id == TOTAL
                )
                assert total.registered_learners == 1

                # Hub B, which never held A's record, gets it with the merge by stick, and
                # shows one learner with the progress of both records.
                await by_stick(hub_b, central, tmp_path / "stick")
                for hub in (hub_a, hub_b):
                    assert await learner_rows(
                        hub, "SELECT merged_into FROM learners WHERE learner_id = ?", second
                    ) == [(first,)]
                    assert await learner_rows(
                        hub,
                        "SELECT learner_id, seconds_spent FROM lesson_progress"
                        " WHERE learner_id IN (?, ?)",
                        first,
                        second,
                    ) == [(first, 65)]
        finally:
            await server.close()
