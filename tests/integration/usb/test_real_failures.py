"""Real sticks that go wrong: full, write-protected, damaged, two at once, crowded with other
files, exFAT and ext4, plugged in before the hub started. Each time the hub stays whole and
serving, the board (and the stick's status file when it can be written) says what happened in
plain words, and the next insertion finishes the work. Needs root."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from hubd.deps import Deps
from hubd.sync.model import Event
from hubd.usb import stick
from hubd.web import keys
from hubd.web.app import create_app
from tests.integration.usb.realkit import (
    Loops,
    PhaseLog,
    RealHub,
    StickImage,
    central_reads,
    committed,
    content_bundle,
    hub_config,
    hub_is_serving,
    learners_did_things,
    real_hub,
    run,
    stick_json,
)
from tests.unit.bundle.bundlekit import Fleet

COURSE_IN = 'Brought in: course "fracciones" version 1.'


@pytest.fixture
def course_bundle(tmp_path: Path, fleet: Fleet, make_course: Any) -> Path:
    return content_bundle(fleet, make_course(version=1), tmp_path / "bundle")


def stick_with_course(tmp_path: Path, bundle: Path, fs: str = "vfat", mb: int = 64) -> StickImage:
    image = StickImage(tmp_path / f"stick-{fs}-{os.urandom(3).hex()}.img", fs, mb)
    image.put_bundle(bundle, "cont-1-abcdef12")
    return image


def outbox_kinds(hub: RealHub, image: StickImage, fleet: Fleet, work: Path) -> list[str]:
    """What central would take from this hub's outbox on the stick (each bundle verified)."""
    hub_id = hub.app[keys.HUB_KEYS].key_id
    work.mkdir(parents=True, exist_ok=True)
    box = image.copy_out(stick.outbox(hub_id), work / "box")
    kinds = []
    for folder in committed(box):
        if folder.name.startswith("prog-"):
            central_reads(fleet, folder, hub_id, work / f"central-{folder.name}")
            kinds.append("progress")
        else:
            kinds.append(folder.name.split("-")[0])
    return kinds


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_full_stick_says_so_and_the_next_visit_after_a_clean_up_finishes(
    tmp_path: Path, fleet: Fleet, course_bundle: Path, loops: Callable[[int], Loops]
) -> None:
    image = stick_with_course(tmp_path, course_bundle)
    image.fill(leave_bytes=48 << 10)  # room for small files, not for a progress bundle
    loop = loops(1)
    [name] = loop.names
    async with real_hub(tmp_path, fleet, loop) as hub:
        await learners_did_things(hub.app, 3000)
        first = await hub.visit(name, image)
        assert first["phase"] == "failed", first
        assert any(p.startswith("The stick is full") for p in first["problems"]), first
        assert COURSE_IN in first["results"], "what the stick brought was still installed"
        await hub_is_serving(hub.client)
        await hub.pull(name)
        status = (image.read(stick.STATUS_FILE) or b"").decode()
        assert "Not finished." in status and "Problem: The stick is full" in status, status
        assert image.fat_free() > 40 << 10, "the unfinished copy was removed"
        image.delete("junk.bin")  # the technician makes room on a computer
        second = await hub.visit(name, image)
        assert second["message"] == "Done: safe to remove.", second
        await hub.pull(name)
        assert outbox_kinds(hub, image, fleet, tmp_path) == ["enro", "progress"]


async def test_a_write_protected_stick_brings_courses_in_and_says_it_took_nothing_out(
    tmp_path: Path, fleet: Fleet, course_bundle: Path, loops: Callable[[int], Loops]
) -> None:
    image = stick_with_course(tmp_path, course_bundle)
    before = sha256(image.path)
    loop = loops(1)
    [name] = loop.names
    async with real_hub(tmp_path, fleet, loop) as hub:
        first = await hub.visit(name, image, read_only=True)
        assert first["message"] == "Done, with problems: safe to remove.", first
        assert COURSE_IN in first["results"]
        assert any("write-protected" in p for p in first["problems"]), first
        assert await hub.courses() == ["fracciones"]
        await hub.pull(name)
        assert sha256(image.path) == before, "nothing was written to a write-protected stick"
        second = await hub.visit(name, image)  # the lock switch slid off
        assert second["message"] == "Done: safe to remove.", second
        assert COURSE_IN not in second["results"], "the course came in once"
        await hub.pull(name)
        assert outbox_kinds(hub, image, fleet, tmp_path) == ["enro", "progress"]


async def test_a_stick_with_a_wiped_boot_sector_is_shown_as_unreadable_and_left_untouched(
    tmp_path: Path, fleet: Fleet, course_bundle: Path, loops: Callable[[int], Loops]
) -> None:
    image = stick_with_course(tmp_path, course_bundle)
    with image.path.open("r+b") as f:
        f.write(bytes(4096))
    before = sha256(image.path)
    loop = loops(1)
    [name] = loop.names
    async with real_hub(tmp_path, fleet, loop) as hub:
        first = await hub.visit(name, image)
        assert first["phase"] == "failed" and first["safe_to_remove"], first
        assert "damaged or not formatted" in first["message"], first
        await hub_is_serving(hub.client)
        await hub.pull(name)
        assert sha256(image.path) == before, "the hub changed nothing on a damaged stick"
        # Formatted again on a computer, with the course copied back: the next visit works.
        fresh = stick_with_course(tmp_path, course_bundle)
        second = await hub.visit(name, fresh)
        assert second["message"] == "Done: safe to remove.", second
        assert COURSE_IN in second["results"]


async def test_a_damaged_fat_refuses_nothing_for_good_and_a_good_stick_then_brings_the_course(
    tmp_path: Path, fleet: Fleet, course_bundle: Path, loops: Callable[[int], Loops]
) -> None:
    image = stick_with_course(tmp_path, course_bundle)
    reserved = int.from_bytes(image.path.read_bytes()[14:16], "little") * 512
    with image.path.open("r+b") as f:  # both copies of the FAT: cluster chains now lead anywhere
        f.seek(reserved + 8)
        f.write(os.urandom(2 << 20))
    loop = loops(1)
    [name] = loop.names
    async with real_hub(tmp_path, fleet, loop) as hub:
        first = await hub.visit(name, image)
        assert first["safe_to_remove"] and first["problems"], first
        assert "damaged" in " ".join(first["problems"]), first
        assert await hub.courses() == []
        await hub_is_serving(hub.client)
        async with hub.app[keys.STORE].reader() as db:
            refused = await (
                await db.execute("SELECT count(*) FROM stick_bundles WHERE outcome = 'refused'")
            ).fetchone()
        assert refused is not None and refused[0] == 0, "a damaged stick refuses nothing for good"
        await hub.pull(name)
        second = await hub.visit(name, stick_with_course(tmp_path, course_bundle))
        assert second["message"] == "Done: safe to remove.", second
        assert COURSE_IN in second["results"]
        print(f"damaged FAT: {first['phase']}: {' | '.join(first['problems'])}")


async def test_two_sticks_at_once_are_synced_one_after_the_other(
    tmp_path: Path, fleet: Fleet, course_bundle: Path, loops: Callable[[int], Loops]
) -> None:
    images = [stick_with_course(tmp_path, course_bundle) for _ in range(2)]
    loop = loops(2)
    async with real_hub(tmp_path, fleet, loop) as hub:
        await learners_did_things(hub.app, 500)
        for name, image in zip(loop.names, images, strict=True):
            loop.attach(name, image)
        for name in loop.names:
            await hub.phases.until(name, {"done", "failed"})
        states = [await stick_json(hub.client, name) for name in loop.names]
        assert [s["message"] for s in states] == ["Done: safe to remove."] * 2, states
        assert sum(COURSE_IN in s["results"] for s in states) == 1, "the course came in once"
        assert any("waiting" in hub.phases.seen[n] for n in loop.names), hub.phases.seen
        await hub_is_serving(hub.client)
        for name in loop.names:
            await hub.pull(name)
        for n, image in enumerate(images):
            assert outbox_kinds(hub, image, fleet, tmp_path / f"s{n}") == ["enro", "progress"]
            assert "Done." in (image.read(stick.STATUS_FILE) or b"").decode()


async def test_a_stick_crowded_with_ten_thousand_photos_syncs_like_an_empty_one(
    tmp_path: Path, fleet: Fleet, course_bundle: Path, loops: Callable[[int], Loops]
) -> None:
    image = stick_with_course(tmp_path, course_bundle, mb=128)
    photos = tmp_path / "DCIM"
    photos.mkdir()
    for i in range(10_000):
        (photos / f"IMG{i:05d}.JPG").write_bytes(b"\xff\xd8" + i.to_bytes(4, "big"))
    run("mcopy", "-i", str(image.path), "-s", str(photos), "::DCIM")
    loop = loops(1)
    [name] = loop.names
    async with real_hub(tmp_path, fleet, loop) as hub:
        started = time.monotonic()
        state = await hub.visit(name, image)
        seconds = time.monotonic() - started
        assert state["message"] == "Done: safe to remove.", state
        assert COURSE_IN in state["results"]
        await hub.pull(name)
    listing = run("mdir", "-i", str(image.path), "-b", "::DCIM")
    assert len(listing.splitlines()) == 10_000, "the photos are all still there"
    print(f"plug to safe-to-remove with 10,000 other files: {seconds:.2f} s")


async def test_a_bundle_copied_with_8_3_names_in_capitals_is_read(
    tmp_path: Path, fleet: Fleet, course_bundle: Path, loops: Callable[[int], Loops]
) -> None:
    image = StickImage(tmp_path / "dos.img")
    image.put_bundle_in_capitals(course_bundle, "cont-1")
    loop = loops(1)
    [name] = loop.names
    async with real_hub(tmp_path, fleet, loop) as hub:
        state = await hub.visit(name, image)
        assert state["message"] == "Done: safe to remove.", state
        assert COURSE_IN in state["results"]


@pytest.mark.parametrize("fs", ["exfat", "ext4"])
async def test_exfat_and_ext4_sticks_are_synced_like_fat_ones(
    tmp_path: Path, fleet: Fleet, course_bundle: Path, loops: Callable[[int], Loops], fs: str
) -> None:
    image = stick_with_course(tmp_path, course_bundle, fs=fs)
    loop = loops(1)
    [name] = loop.names
    async with real_hub(tmp_path, fleet, loop) as hub:
        await learners_did_things(hub.app, 500)
        state = await hub.visit(name, image)
        assert state["message"] == "Done: safe to remove.", state
        assert COURSE_IN in state["results"]
        await hub.pull(name)
        assert outbox_kinds(hub, image, fleet, tmp_path) == ["enro", "progress"]
        hub_id = hub.app[keys.HUB_KEYS].key_id
    box = image.copy_out(stick.outbox(hub_id), tmp_path / "again")
    [progress] = [p for p in committed(box) if p.name.startswith("prog-")]
    entries = central_reads(fleet, progress, hub_id, tmp_path / "central").entries
    assert sum(isinstance(e, Event) for e in entries) == 500
    assert "Done." in (image.read(stick.STATUS_FILE) or b"").decode()


async def test_a_stick_plugged_in_before_the_hub_starts_is_synced_at_start_up(
    tmp_path: Path, fleet: Fleet, course_bundle: Path, loops: Callable[[int], Loops]
) -> None:
    image = stick_with_course(tmp_path, course_bundle)
    loop = loops(1)
    [name] = loop.names
    loop.attach(name, image)  # the hub is switched on with the stick already in
    app = create_app(hub_config(tmp_path, fleet, [name]), Deps())
    phases = PhaseLog()
    app.on_startup.append(lambda a: _listen(a, phases, name))
    async with TestClient(TestServer(app)) as client:
        await phases.until(name, {"done", "failed"})
        state = await stick_json(client, name)
        assert state["message"] == "Done: safe to remove.", state
        assert COURSE_IN in state["results"]
        loop.detach(name)


async def _listen(app: Any, phases: PhaseLog, name: str) -> None:
    board = app[keys.STICKS]
    board.listeners.append(phases)
    state = board.get(name)
    if state is not None:  # the stick's session may be well under way already
        phases(state)
