"""Central with real hubs: enrolment, ingest, replies, learners who move; SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from central import hubs
from central.cli import main
from central.figures import figures_csv, programme_figures
from central.ingest import ingest_folder
from central.publish import publish
from central.xapi import export_statements
from hubd.bundle import generate_hub_identity, read_bundle_folder, write_enrolment
from hubd.storage.progress import append_events
from hubd.storage.sync_moves import merge_learners, send_learner_to
from hubd.sync.events import NewEvent
from hubd.sync_session import HubSync, apply_reply_bundle, write_progress_bundle
from tests.integration.central.centralkit import Central, open_central, wall_ms
from tests.integration.sync.hubkit import learn, open_hub, register
from tests.unit.bundle.bundlekit import Fleet

BIG = 100 << 20


async def _to_stick(hub: HubSync, stick: Path, budget: int = BIG) -> None:
    box = stick / "learnhub" / "out" / f"h-{hub.identity.hub_id[:16]}"
    box.mkdir(parents=True, exist_ok=True)
    name = f"prog-{len(list(box.iterdir())) + 1}"
    assert await write_progress_bundle(hub, box / name, budget) is not None


async def _from_stick(hub: HubSync, stick: Path) -> list[str]:
    done = []
    for folder in sorted((stick / "learnhub" / "in").iterdir()):
        if hub.identity.hub_id in (folder / "manifest.json").read_text():
            done.append((await apply_reply_bundle(hub, folder)).summary())
    return done


def _enrol(central: Central, hub: HubSync, stick: Path) -> None:
    stick.mkdir(exist_ok=True)
    write_enrolment(hub.keys, stick / "enrol", fleet=central.keys.trust.fleet, hub_name="Hub")
    ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
    shutil.rmtree(stick / "enrol")
    hubs.decide(central.db, hub.identity.hub_id, True, wall_ms())


async def _progress(hub: HubSync, learner: str) -> tuple[object, ...] | None:
    async with hub.store.reader() as db:
        cursor = await db.execute(
            "SELECT count(*), sum(seconds_spent), max(completed_hlc IS NOT NULL)"
            " FROM lesson_progress WHERE learner_id = ?",
            (learner,),
        )
        row = await cursor.fetchone()
    return None if row is None or row[0] == 0 else tuple(row)


def _central_count(central: Central, sql: str) -> int:
    with central.db.transaction() as tx:
        row = tx.one(sql)
    return int(row[0]) if row else 0


async def test_a_hub_enrols_then_its_progress_goes_in_once(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    stick = tmp_path / "stick"
    async with open_hub(fleet, tmp_path / "hub") as hub:
        learner = await register(hub, "Amina")
        await learn(hub, learner, [("lesson_started", {}), ("time_spent", {"seconds": 60})])
        await _to_stick(hub, stick)
        write_enrolment(hub.keys, stick / "enrol", fleet=fleet.trust.fleet, hub_name="Kibera")
    with open_central(fleet, tmp_path / "central", database_url) as central:
        outcomes = ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
        by_kind = {o.kind: o for o in outcomes}
        assert by_kind["enrol"].applied and "asks to join" in by_kind["enrol"].message
        assert not by_kind["?"].applied and "not enrolled" in by_kind["?"].message
        assert [h.status for h in hubs.list_hubs(central.db)] == ["waiting"]
        hubs.decide(central.db, fleet.hub.key_id, True, wall_ms())
        shutil.rmtree(stick / "enrol")
        [outcome] = ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
        assert outcome.applied and "new entries" in outcome.message
        events = _central_count(central, "SELECT count(*) FROM entries WHERE kind = 'event'")
        assert events == 2
        # The same stick again (or a copy of the bundle on another stick) changes nothing.
        [again] = ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
        assert not again.applied and "already applied" in again.message
        assert _central_count(central, "SELECT count(*) FROM entries WHERE kind = 'event'") == 2
        [row] = hubs.list_hubs(central.db)
        assert row.status == "approved" and row.backlog == 0 and row.last_seen_ms is not None


async def test_the_reply_acknowledges_and_the_next_stick_carries_only_new_progress(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    stick = tmp_path / "stick"
    with open_central(fleet, tmp_path / "central", database_url) as central:
        async with open_hub(fleet, tmp_path / "hub") as hub:
            _enrol(central, hub, stick)
            learner = await register(hub, "Amina")
            await learn(hub, learner, [("time_spent", {"seconds": 5})] * 10)
            await _to_stick(hub, stick)
            ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
            publish(central.db, central.reply_keys, stick, wall_ms, budget_bytes=BIG)
            [summary] = await _from_stick(hub, stick)
            assert "progress up to number 15" in summary
            shutil.rmtree(stick / "learnhub" / "out")
            await learn(hub, learner, [("lesson_completed", {})])
            await _to_stick(hub, stick)
            [outcome] = ingest_folder(
                central.db, central.keys, stick, central.config.work_dir, wall_ms
            )
            assert "1 new entries, 0 already known" in outcome.message


async def test_a_learner_who_moves_keeps_one_record_and_one_history(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    """Registered and learning at hub A, moved to hub B, learning there, back at A: both hubs
    and central show the same progress, and nothing is counted twice."""
    stick = tmp_path / "stick"
    keys_b = generate_hub_identity()
    with open_central(fleet, tmp_path / "central", database_url) as central:
        async with (
            open_hub(fleet, tmp_path / "hub-a") as hub_a,
            open_hub(fleet, tmp_path / "hub-b", keys_b) as hub_b,
        ):
            for hub in (hub_a, hub_b):
                _enrol(central, hub, stick)
            learner = await register(hub_a, "Amina")
            await learn(hub_a, learner, [("time_spent", {"seconds": 30})])
            await hub_a.store.write(
                send_learner_to(
                    hub_a.identity, hub_a.clock.now(hub_a.wall_ms()), learner, hub_b.identity.hub_id
                )
            )

            async def route() -> None:
                for hub in (hub_a, hub_b):
                    await _to_stick(hub, stick)
                ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
                shutil.rmtree(stick / "learnhub" / "out")
                publish(central.db, central.reply_keys, stick, wall_ms, budget_bytes=BIG)
                for hub in (hub_a, hub_b):
                    await _from_stick(hub, stick)

            await route()
            assert await _progress(hub_b, learner) == (1, 30, 0), "the record arrived at B"
            async with hub_b.store.reader() as db:
                cursor = await db.execute(
                    "SELECT display_name FROM learners WHERE learner_id = ?", (learner,)
                )
                assert tuple(await cursor.fetchone() or ()) == ("Amina",)
            await learn(hub_b, learner, [("time_spent", {"seconds": 12}), ("lesson_completed", {})])
            await route()
            await route()
            assert await _progress(hub_a, learner) == (1, 42, 1), "B's progress reached A"
            assert await _progress(hub_b, learner) == (1, 42, 1)
            total = _central_count(central, "SELECT count(*) FROM entries WHERE kind = 'event'")
            assert total == 3

            # At B a teacher had registered the child again; merging the two travels too.
            twin = await register(hub_b, "Amina M.")
            await hub_b.store.write(
                merge_learners(hub_b.identity, hub_b.clock.now(hub_b.wall_ms()), learner, twin)
            )
            await route()
            with central.db.transaction() as tx:
                row = tx.one(
                    "SELECT value FROM registers WHERE register_key = ?",
                    (f"learner/{twin}/merged_into",),
                )
            assert row == (f'"{learner}"',)


async def test_a_forged_bundle_is_refused_and_the_others_still_go_in(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    stick = tmp_path / "stick"
    with open_central(fleet, tmp_path / "central", database_url) as central:
        async with open_hub(fleet, tmp_path / "hub") as hub:
            _enrol(central, hub, stick)
            learner = await register(hub, "Amina")
            await learn(hub, learner, [("lesson_started", {})])
            await _to_stick(hub, stick)
        forged = stick / "learnhub" / "out" / "h-x" / "prog-9"
        shutil.copytree(next((stick / "learnhub" / "out").glob("h-*/prog-1")), forged)
        part = next(forged.glob("p*.zse"))
        data = bytearray(part.read_bytes())
        data[-5] ^= 1
        part.write_bytes(bytes(data))
        outcomes = ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
        assert sorted(o.applied for o in outcomes) == [False, True]
        assert any("damaged" in o.message for o in outcomes if not o.applied)


async def test_the_command_line_ingests_publishes_and_enrols(
    fleet: Fleet, tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stick = tmp_path / "stick"
    async with open_hub(fleet, tmp_path / "hub") as hub:
        stick.mkdir()
        write_enrolment(hub.keys, stick / "enrol", fleet=fleet.trust.fleet, hub_name="Kibera")
        with open_central(fleet, tmp_path / "central", database_url) as central:
            settings = str(central.settings)
        assert main(["--config", settings, "ingest", str(stick)]) == 0
        assert main(["--config", settings, "enrol", "list"]) == 0
        assert hub.identity.hub_id in capsys.readouterr().out
        assert main(["--config", settings, "enrol", "approve", hub.identity.hub_id]) == 0
        assert main(["--config", settings, "enrol", "approve", "nohub"]) == 1
        assert "No hub nohub" in capsys.readouterr().err
        assert main(["--config", settings, "publish", str(stick)]) == 0
        assert "reply 1 for hub" in capsys.readouterr().out
        [summary] = await _from_stick(hub, stick)
        assert "0 learners" in summary
        assert main(["--config", settings, "hubs"]) == 0
        assert "approved" in capsys.readouterr().out


async def test_an_event_a_browser_sent_to_two_hubs_counts_once_and_stalls_nobody(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    stick = tmp_path / "stick"
    with open_central(fleet, tmp_path / "central", database_url) as central:
        async with (
            open_hub(fleet, tmp_path / "hub-a") as hub_a,
            open_hub(fleet, tmp_path / "hub-b", generate_hub_identity()) as hub_b,
        ):
            for hub in (hub_a, hub_b):
                _enrol(central, hub, stick)
            event = NewEvent(str(uuid.uuid4()), "learner-1", "lesson_completed", "c1", "l1", "{}")
            for hub in (hub_a, hub_b):
                await hub.store.write(append_events([event], hub.identity, hub.clock, 1))
                await _to_stick(hub, stick)
            ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
            total = _central_count(central, "SELECT count(*) FROM entries WHERE kind = 'event'")
            assert total == 1
            assert [row.backlog for row in hubs.list_hubs(central.db)] == [0, 0]


async def test_figures_and_xapi_statements_after_a_route(
    fleet: Fleet, tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stick = tmp_path / "stick"
    with open_central(fleet, tmp_path / "central", database_url) as central:
        async with open_hub(fleet, tmp_path / "hub") as hub:
            _enrol(central, hub, stick)
            amina = await register(hub, "Amina")
            omar = await register(hub, "Omar")
            await learn(hub, amina, [("lesson_started", {}), ("lesson_completed", {})])
            await learn(hub, amina, [("quiz_scored", {"score": 3, "max": 4})])
            await learn(hub, omar, [("time_spent", {"seconds": 50})])
            await hub.store.write(
                merge_learners(hub.identity, hub.clock.now(hub.wall_ms()), amina, omar)
            )
            await _to_stick(hub, stick)
        ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
        rows = programme_figures(central.db, 1_780_000_500_000)
        mine = next(r for r in rows if r.hub_id == hub.identity.hub_id)
        total = rows[-1]
        # Omar's record was merged into Amina's: one child.
        assert (mine.registered_learners, mine.enrolled_learners) == (1, 1)
        assert (mine.lessons_completed, mine.weekly_active_learners) == (1, 1)
        assert total.hub_id == "total" and total.registered_learners == 1
        assert figures_csv(rows).splitlines()[0].startswith("hub_id,name,registered_learners")
        statements = [
            json.loads(line)
            for line in export_statements(central.db, "https://example.org", "https://x.org")
        ]
        settings = str(central.settings)
    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in statements)
    assert verbs == ["completed", "experienced", "initialized", "scored"]
    scored = next(s for s in statements if s["verb"]["id"].endswith("scored"))
    assert scored["result"]["score"] == {"raw": 3, "min": 0, "max": 4, "scaled": 0.75}
    assert scored["actor"]["account"] == {"homePage": "https://example.org", "name": amina}
    assert scored["timestamp"].startswith("2026-")
    out = tmp_path / "statements.ndjson"
    assert main(["--config", settings, "xapi", str(out)]) == 0
    assert len(out.read_bytes().splitlines()) == 4
    assert main(["--config", settings, "figures", "--csv"]) == 0
    assert "total,All hubs,1,1,1" in capsys.readouterr().out


def test_publish_carries_content_bundles_once(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copytree(fleet.content_bundle(sequence=3), content / "cont-3")
    (content / "unfinished").mkdir()
    stick = tmp_path / "stick"
    with open_central(fleet, tmp_path / "central", database_url) as central:
        settings = str(central.settings)
    args = ["--config", settings, "publish", str(stick), "--content", str(content)]
    assert main(args) == 0
    assert main(args) == 0
    [carried] = list((stick / "learnhub" / "in").iterdir())
    with read_bundle_folder(carried, tmp_path / "check", fleet.hub_policy()) as verified:
        assert verified.manifest.kind == "content" and verified.manifest.sequence == 3
