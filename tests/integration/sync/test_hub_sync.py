"""The hub's side of sync: the progress bundle that leaves, and the reply that comes back."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from hubd.content.from_bundle import BundleRefused
from hubd.storage import database
from hubd.storage.sync_epoch import begin_new_epoch, prune_acknowledged
from hubd.storage.sync_import import import_entries
from hubd.storage.sync_moves import merge_learners
from hubd.sync.derive import derive
from hubd.sync.hlc import pack
from hubd.sync.model import Dot, Event, RegisterChange, entry_record
from hubd.sync.plan import BUNDLE_OVERHEAD_BYTES
from hubd.sync_session import HubSync, apply_reply_bundle, write_progress_bundle
from tests.integration.sync.hubkit import learn, open_hub, read_progress, register, reply_folder
from tests.unit.bundle.bundlekit import Fleet

BIG = 100 << 20
OTHER_HUB = "ee" * 16
WALL_2040 = 2_208_988_800_000


async def _export(fleet: Fleet, hub: HubSync, budget: int = BIG) -> list[Dot]:
    folder = fleet.path("prog")
    manifest = await write_progress_bundle(hub, folder, budget)
    assert manifest is not None and manifest.kind == "progress" and manifest.recipient == "central"
    bundle = read_progress(fleet, folder)
    assert bundle.header.hub_id == hub.identity.hub_id
    return [e.dot for e in bundle.entries]


def _arrival(learner: str) -> list[dict[str, object]]:
    """What central forwards about a learner registered at another hub."""
    name = RegisterChange(Dot(OTHER_HUB, 1, 1), f"learner/{learner}/display_name", '"Oksana"', 50)
    home = RegisterChange(Dot(OTHER_HUB, 1, 2), f"learner/{learner}/home_hub", '"x"', 51)
    done = Event(
        Dot(OTHER_HUB, 1, 3),
        "5d0f7a52-3c55-4f0b-9d8a-7f1f4c1b2a33",
        52,
        learner,
        "lesson_completed",
        "c1",
        "l1",
        "{}",
    )
    spent = Event(
        Dot(OTHER_HUB, 1, 4),
        "5d0f7a52-3c55-4f0b-9d8a-7f1f4c1b2a34",
        53,
        learner,
        "time_spent",
        "c1",
        "l1",
        '{"seconds":40}',
    )
    return [entry_record(e) for e in (name, home, done, spent)]


async def _progress_of(hub: HubSync, learner: str) -> tuple[object, ...] | None:
    async with hub.store.reader() as db:
        cursor = await db.execute(
            "SELECT completed_hlc IS NOT NULL, seconds_spent FROM lesson_progress"
            " WHERE learner_id = ?",
            (learner,),
        )
        row = await cursor.fetchone()
    return None if row is None else tuple(row)


async def test_progress_bundle_carries_the_hubs_log_oldest_first(
    fleet: Fleet, tmp_path: Path
) -> None:
    async with open_hub(fleet, tmp_path / "hub") as hub:
        learner = await register(hub, "Amina")
        await learn(hub, learner, [("lesson_started", {}), ("time_spent", {"seconds": 30})])
        dots = await _export(fleet, hub)
    # Group name and sign-in, the learner's name, home hub and group, then two events.
    assert [d.seq for d in dots] == list(range(1, len(dots) + 1))
    assert len(dots) >= 5


async def test_what_does_not_fit_on_the_stick_goes_next_time_after_the_ack(
    fleet: Fleet, tmp_path: Path
) -> None:
    async with open_hub(fleet, tmp_path / "hub") as hub:
        learner = await register(hub, "Amina")
        await learn(hub, learner, [("time_spent", {"seconds": n}) for n in range(1, 200)])
        budget = BUNDLE_OVERHEAD_BYTES + 20_000
        first = await _export(fleet, hub, budget + budget // 99)
        assert 10 < len(first) < 200
        again = await _export(fleet, hub, budget + budget // 99)
        assert again == first, "without an ack the same oldest entries go again"
        ack = {"type": "ack", "origin": hub.identity.hub_id, "epoch": 1, "seq": first[-1].seq}
        time = {"type": "time", "hlc": pack(1_780_000_100_000, 0)}
        report = await apply_reply_bundle(hub, reply_folder(fleet, [time, ack], sequence=1))
        assert report.acknowledged == first[-1].seq
        rest = await _export(fleet, hub)
        assert rest[0].seq == first[-1].seq + 1 and rest[-1].seq == hub_last(hub)


def hub_last(hub: HubSync) -> int:
    conn = sqlite3.connect(hub.store.path)
    try:
        return int(conn.execute("SELECT last_seq FROM hub").fetchone()[0])
    finally:
        conn.close()


async def test_a_learner_from_another_hub_arrives_with_their_progress(
    fleet: Fleet, tmp_path: Path
) -> None:
    learner = "9a1b2c3d-0000-4000-8000-000000000001"
    time = {"type": "time", "hlc": pack(WALL_2040, 0)}
    async with open_hub(fleet, tmp_path / "hub") as hub:
        report = await apply_reply_bundle(
            hub, reply_folder(fleet, [time, *_arrival(learner)], sequence=1)
        )
        assert (report.learners_arrived, report.events_added) == (1, 2)
        assert "1 learners from other hubs" in report.summary()
        async with hub.store.reader() as db:
            cursor = await db.execute(
                "SELECT display_name FROM learners WHERE learner_id = ?", (learner,)
            )
            assert tuple(await cursor.fetchone() or ()) == ("Oksana",)
        assert await _progress_of(hub, learner) == (1, 40)
        # Central's signed time moved the clock: what the hub records next is after it.
        assert hub.clock.now(0) > pack(WALL_2040, 0)
        # The same records again, in a later reply, change nothing.
        again = await apply_reply_bundle(
            hub, reply_folder(fleet, [time, *_arrival(learner)], sequence=2)
        )
        assert (again.learners_arrived, again.events_added, again.changes_added) == (0, 0, 0)
        assert await _progress_of(hub, learner) == (1, 40)


async def test_a_replayed_or_older_reply_is_refused_and_changes_nothing(
    fleet: Fleet, tmp_path: Path
) -> None:
    time = {"type": "time", "hlc": 1}
    async with open_hub(fleet, tmp_path / "hub") as hub:
        first = reply_folder(fleet, [time], sequence=5)
        await apply_reply_bundle(hub, first)
        with pytest.raises(BundleRefused, match="already applied"):
            await apply_reply_bundle(hub, first)
        older = reply_folder(
            fleet, [time, *_arrival("9a1b2c3d-0000-4000-8000-000000000002")], sequence=4
        )
        with pytest.raises(BundleRefused, match="older"):
            await apply_reply_bundle(hub, older)
        assert await _progress_of(hub, "9a1b2c3d-0000-4000-8000-000000000002") is None


async def test_a_reply_with_one_bad_record_applies_nothing(fleet: Fleet, tmp_path: Path) -> None:
    learner = "9a1b2c3d-0000-4000-8000-000000000003"
    time = {"type": "time", "hlc": 1}
    bad = {"type": "event", "origin": OTHER_HUB, "epoch": 1, "seq": 9, "hlc": 1}
    async with open_hub(fleet, tmp_path / "hub") as hub:
        with pytest.raises(BundleRefused, match="malformed"):
            await apply_reply_bundle(
                hub, reply_folder(fleet, [time, *_arrival(learner), bad], sequence=1)
            )
        assert await _progress_of(hub, learner) is None
        # Its number was not used up: the good reply with the same number applies.
        await apply_reply_bundle(hub, reply_folder(fleet, [time, *_arrival(learner)], sequence=1))
        assert await _progress_of(hub, learner) == (1, 40)


async def test_a_reply_for_another_hub_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    time = {"type": "time", "hlc": 1}
    async with open_hub(fleet, tmp_path / "hub") as hub:
        folder = reply_folder(fleet, [time], sequence=1, recipient=fleet.other_hub)
        with pytest.raises(BundleRefused, match="another hub"):
            await apply_reply_bundle(hub, folder)


async def test_an_old_signed_time_never_moves_the_clock_back(fleet: Fleet, tmp_path: Path) -> None:
    async with open_hub(fleet, tmp_path / "hub") as hub:
        await apply_reply_bundle(
            hub, reply_folder(fleet, [{"type": "time", "hlc": pack(WALL_2040, 0)}], sequence=1)
        )
        await apply_reply_bundle(hub, reply_folder(fleet, [{"type": "time", "hlc": 5}], sequence=2))
        assert hub.clock.now(0) > pack(WALL_2040, 0)
    async with open_hub(fleet, tmp_path / "hub") as reopened:
        # After a restart with the wall clock at 1970, the floor still holds.
        assert reopened.clock.now(0) > pack(WALL_2040, 0)


async def test_a_restored_hub_starts_a_new_epoch_and_numbers_afresh(
    fleet: Fleet, tmp_path: Path
) -> None:
    async with open_hub(fleet, tmp_path / "hub") as hub:
        learner = await register(hub, "Amina")
        before = await _export(fleet, hub)
        epoch = await hub.store.write(begin_new_epoch(jump=3))
        assert epoch == 4
    async with open_hub(fleet, tmp_path / "hub") as hub:
        await learn(hub, learner, [("lesson_started", {})])
        after = await _export(fleet, hub)
    # The old epoch, not yet acknowledged, still leaves first; the new one starts at 1.
    assert after[: len(before)] == before
    assert after[-1] == Dot(hub.identity.hub_id, 4, 1)


async def test_pruning_touches_only_what_central_acknowledged(fleet: Fleet, tmp_path: Path) -> None:
    async with open_hub(fleet, tmp_path / "hub") as hub:
        learner = await register(hub, "Amina")
        await learn(hub, learner, [("time_spent", {"seconds": 5})] * 3)
        dots = await _export(fleet, hub)
        ack = {"type": "ack", "origin": hub.identity.hub_id, "epoch": 1, "seq": dots[-2].seq}
        await apply_reply_bundle(
            hub, reply_folder(fleet, [{"type": "time", "hlc": 1}, ack], sequence=1)
        )
        gone = await hub.store.write(prune_acknowledged(hub.identity.hub_id, 1 << 62))
        assert gone == len(dots) - 1
        assert await _export(fleet, hub) == [dots[-1]]
        assert await _progress_of(hub, learner) == (0, 15), "derived progress stays"


def test_progress_is_the_same_whatever_order_events_arrive_in(tmp_path: Path) -> None:
    learner = "9a1b2c3d-0000-4000-8000-000000000009"
    events = [
        Event(Dot(OTHER_HUB, 1, n), f"ev-{n}", hlc, learner, kind, "c1", "l1", payload)
        for n, (hlc, kind, payload) in enumerate(
            [
                (30, "media_position", '{"seconds":40.0}'),
                (10, "media_position", '{"seconds":12.0}'),
                (31, "quiz_scored", '{"max":5,"score":3}'),
                (20, "quiz_scored", '{"max":5,"score":5}'),
                (31, "quiz_scored", '{"max":5,"score":4}'),
                (40, "lesson_completed", "{}"),
                (35, "lesson_completed", "{}"),
                (5, "time_spent", '{"seconds":12}'),
                (6, "time_spent", '{"seconds":30}'),
            ],
            start=1,
        )
    ]
    want = derive(events)[(learner, "c1", "l1")]
    rows = set()
    for attempt in range(6):
        shuffled = list(events)
        random.Random(attempt).shuffle(shuffled)
        path = tmp_path / f"hub-{attempt}.sqlite3"
        conn = database.connect_writer(path)
        try:
            database.migrate(conn, path)
            conn.execute("BEGIN")
            import_entries(conn, shuffled + shuffled[:3])
            conn.execute("COMMIT")
            rows.add(
                tuple(
                    conn.execute(
                        "SELECT first_hlc, last_hlc, completed_hlc, seconds_spent,"
                        " position_seconds, last_score FROM lesson_progress"
                    ).fetchone()
                )
            )
        finally:
            conn.close()
    assert rows == {
        (
            want.first_hlc,
            want.last_hlc,
            want.completed_hlc,
            want.seconds_spent,
            want.position_seconds,
            want.last_score,
        )
    }


async def test_merging_two_records_of_one_child_shows_one_progress_everywhere(
    fleet: Fleet, tmp_path: Path
) -> None:
    async with open_hub(fleet, tmp_path / "hub") as hub:
        kept = await register(hub, "Amina")
        twin = await register(hub, "Amina M.")
        await learn(hub, kept, [("time_spent", {"seconds": 10})])
        await learn(hub, twin, [("time_spent", {"seconds": 5}), ("lesson_completed", {})])
        await hub.store.write(
            merge_learners(hub.identity, hub.clock.now(hub.wall_ms()), kept, twin)
        )
        assert await _progress_of(hub, kept) == (1, 15)
        assert await _progress_of(hub, twin) is None
        # Later progress of the merged record (a phone that still had it) goes to the kept one.
        await learn(hub, twin, [("time_spent", {"seconds": 1})])
        assert await _progress_of(hub, kept) == (1, 16)
        folder = fleet.path("prog")
        await write_progress_bundle(hub, folder, BIG)
        entries = [entry_record(e) for e in read_progress(fleet, folder).entries]
    # At another hub the records arrive in another order (the merge before the kept learner):
    # the same single progress.
    async with open_hub(fleet, tmp_path / "other", fleet.other_hub) as other:
        time = {"type": "time", "hlc": 1}
        records = [time, *reversed(entries)]
        await apply_reply_bundle(
            other, reply_folder(fleet, records, sequence=1, recipient=fleet.other_hub)
        )
        assert await _progress_of(other, kept) == (1, 16)
        assert await _progress_of(other, twin) is None
