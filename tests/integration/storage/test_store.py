"""The store on a real SQLite file: group commit, durability, isolation of bad writes."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hubd.errors import DatabaseError, StorageFullError
from hubd.storage import people, progress
from hubd.storage.identity import HubIdentity, ensure_identity
from hubd.storage.store import ShuttingDown, Store
from hubd.sync.events import NewEvent
from hubd.sync.hlc import HybridClock

WALL = 1_795_000_000_000


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "hub.sqlite3")
    yield opened
    await opened.close()


def new_event(learner: str = "l1") -> NewEvent:
    return NewEvent(str(uuid.uuid4()), learner, "lesson_started", "c1", "intro", "{}")


async def identity_of(store: Store, clock: HybridClock) -> HubIdentity:
    return await store.write(ensure_identity("Hub", clock, WALL))


async def test_database_uses_wal_and_full_sync(store: Store) -> None:
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


async def test_concurrent_writes_share_commits(store: Store) -> None:
    clock = HybridClock()
    identity = await identity_of(store, clock)
    before = store.stats.commits
    results = await asyncio.gather(
        *(
            store.write(progress.append_events([new_event()], identity, clock, WALL))
            for _ in range(500)
        )
    )
    assert sum(r.accepted for r in results) == 500
    commits = store.stats.commits - before
    assert commits < 100, f"{commits} commits for 500 concurrent writes: no group commit"
    async with store.reader() as db:
        assert await progress.count_events(db) == 500
        rows = await (await db.execute("SELECT seq FROM progress_events ORDER BY seq")).fetchall()
    assert [r[0] for r in rows] == list(range(1, 501)), "sequence numbers must have no gap"


async def test_same_event_twice_is_stored_once(store: Store) -> None:
    clock = HybridClock()
    identity = await identity_of(store, clock)
    event = new_event()
    first = await store.write(progress.append_events([event], identity, clock, WALL))
    again = await store.write(progress.append_events([event, event], identity, clock, WALL))
    assert (first.accepted, again.accepted, again.duplicates) == (1, 0, 2)
    async with store.reader() as db:
        assert await progress.count_events(db) == 1


async def test_a_failing_write_fails_alone(store: Store) -> None:
    clock = HybridClock()
    await identity_of(store, clock)
    good = store.write(people.add_group("g1", "Class A", clock.now(WALL)))
    bad = store.write(people.add_group("g1", "Duplicate id", clock.now(WALL)))
    also_good = store.write(people.add_group("g2", "Class B", clock.now(WALL)))
    outcomes = await asyncio.gather(good, bad, also_good, return_exceptions=True)
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], DatabaseError)
    async with store.reader() as db:
        names = [
            r[0]
            for r in await (
                await db.execute("SELECT name FROM learner_groups ORDER BY name")
            ).fetchall()
        ]
    assert names == ["Class A", "Class B"]


async def test_readers_do_not_wait_for_a_long_write(store: Store) -> None:
    clock = HybridClock()
    await identity_of(store, clock)
    started = asyncio.Event()
    release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow_write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO learner_groups (group_id, name, updated_hlc) VALUES ('g', 'G', 1)"
        )
        loop.call_soon_threadsafe(started.set)
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=10)

    writing = asyncio.create_task(store.write(slow_write))
    await asyncio.wait_for(started.wait(), 10)
    async with store.reader() as db:
        # The transaction is open and holds the write lock; reading still works, and sees
        # only what was committed.
        row = await (
            await asyncio.wait_for(db.execute("SELECT count(*) FROM learner_groups"), 5)
        ).fetchone()
    assert row is not None and row[0] == 0
    release.set()
    await writing


async def test_close_finishes_queued_writes_then_refuses_new_ones(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "hub.sqlite3")
    clock = HybridClock()
    identity = await identity_of(store, clock)
    pending = [
        asyncio.create_task(
            store.write(progress.append_events([new_event()], identity, clock, WALL))
        )
        for _ in range(200)
    ]
    await asyncio.sleep(0)  # let every write reach the queue
    await store.close()
    results = await asyncio.gather(*pending)
    assert sum(r.accepted for r in results) == 200
    with pytest.raises(ShuttingDown):
        await store.write(lambda conn: None)
    conn = sqlite3.connect(tmp_path / "hub.sqlite3")
    assert conn.execute("SELECT count(*) FROM progress_events").fetchone()[0] == 200
    conn.close()


async def test_corrupt_database_is_refused_with_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError) as caught:
        await Store.open(path)
    assert "is damaged" in caught.value.message
    assert "backup" in caught.value.message


async def test_damaged_pages_are_found_at_start(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite3"
    store = await Store.open(path)
    clock = HybridClock()
    identity = await identity_of(store, clock)
    for _ in range(20):
        await store.write(
            progress.append_events([new_event() for _ in range(50)], identity, clock, WALL)
        )
    await store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(3 * page + 100, len(data) - page, page):  # scribble over most pages
        data[offset : offset + 200] = b"\xa5" * 200
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError, match="is damaged"):
        await Store.open(path)


async def test_database_from_a_newer_hubd_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(DatabaseError, match="newer version of hubd"):
        await Store.open(path)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, tiny filesystem (tmpfs) that fills up."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


async def test_full_disk_refuses_the_write_and_keeps_what_was_saved(small_disk: Path) -> None:
    store = await Store.open(small_disk / "hub.sqlite3")
    clock = HybridClock()
    identity = await identity_of(store, clock)
    saved = 0
    try:
        with pytest.raises(StorageFullError) as caught:
            for _ in range(10_000):
                batch = [
                    NewEvent(
                        str(uuid.uuid4()),
                        "l1",
                        "lesson_started",
                        "c1",
                        "intro",
                        '{"x":"' + "y" * 900 + '"}',
                    )
                    for _ in range(20)
                ]
                result = await store.write(progress.append_events(batch, identity, clock, WALL))
                saved += result.accepted
        assert "storage is full" in caught.value.message
        assert saved > 0
        async with store.reader() as db:
            assert await progress.count_events(db) == saved
    finally:
        await store.close()


async def test_quick_reader_sees_only_committed_writes(store: Store) -> None:
    clock = HybridClock()
    await identity_of(store, clock)
    started = asyncio.Event()
    release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow_write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO learner_groups (group_id, name, updated_hlc) VALUES ('g', 'G', 1)"
        )
        loop.call_soon_threadsafe(started.set)
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=10)

    writing = asyncio.create_task(store.write(slow_write))
    await asyncio.wait_for(started.wait(), 10)
    async with store.quick_reader() as db:
        assert list(await db.execute_fetchall("SELECT name FROM learner_groups")) == []
    release.set()
    await writing
    async with store.quick_reader() as db:
        rows = await db.execute_fetchall("SELECT name FROM learner_groups")
    assert [r[0] for r in rows] == ["G"]
