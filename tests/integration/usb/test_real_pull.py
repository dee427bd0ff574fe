"""A real pull: the FUSE program serving a FAT stick is killed while the hub writes its progress
bundle, then the loop device goes away; the hub stays whole, says what happened, and the next
insertion finishes with every progress record on the stick exactly once. Needs root."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from hubd.deps import Deps
from hubd.sync.model import Event
from hubd.usb import stick
from hubd.usb.devices import BlockDevice
from hubd.usb.stickfiles import LocalStickFiles, StickFiles
from hubd.web import keys
from hubd.web.app import create_app
from tests.integration.usb.realkit import (
    BOUND,
    Loops,
    PhaseLog,
    StickImage,
    central_reads,
    committed,
    content_bundle,
    fuse_daemon,
    hub_config,
    hub_is_serving,
    learners_did_things,
    stick_json,
    wait_gone,
)
from tests.unit.bundle.bundlekit import Fleet

EVENTS = 3000


def kill_and_wait(pid: int) -> None:
    """SIGKILL a process and wait until it is gone."""
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)


class PulledMidWrite(LocalStickFiles):
    """The real stick; when the first part of the progress bundle is half handed over, the
    FUSE program serving the stick is killed, as a stick yanked out at that instant. With
    ``hang``, the loop device is detached too and the write then hangs until ``release`` (a
    kernel driver retries a vanished device for a while): only the uevent can end the session.
    """

    def __init__(self, root: Path, loop: Loops, name: str, hang: bool) -> None:
        super().__init__(root)
        self.loop, self.name, self.hang = loop, name, hang
        self.pulled = threading.Event()
        self.release = threading.Event()

    def write_new(self, rel: str, chunks: Iterable[bytes]) -> int:
        if "/prog-" in rel and rel.endswith((".zst", ".zse")) and not self.pulled.is_set():
            chunks = self._pull_after_first(chunks)
        return super().write_new(rel, chunks)

    def _pull_after_first(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        it = iter(chunks)
        first = next(it, None)
        if first is not None:
            yield first
        pid = fuse_daemon(self.root)
        assert pid is not None, f"no FUSE program serves {self.root}"
        kill_and_wait(pid)
        if self.hang:
            self.loop.detach(self.name)
        self.pulled.set()
        if self.hang:
            self.release.wait(BOUND)
        yield from it


@pytest.mark.parametrize("how", ["killed", "hung"])
async def test_a_stick_pulled_while_progress_is_written_is_finished_at_the_next_insertion(
    tmp_path: Path, fleet: Fleet, make_course: Any, loops: Callable[[int], Loops], how: str
) -> None:
    loop = loops(1)
    name = loop.names[0]
    image = StickImage(tmp_path / "stick.img")
    image.put_bundle(
        content_bundle(fleet, make_course(version=1), tmp_path / "bundle"), "cont-1-abcdef12"
    )
    sessions: list[LocalStickFiles] = []

    def files(_device: BlockDevice, local: LocalStickFiles) -> StickFiles:
        first = not sessions
        sessions.append(PulledMidWrite(local.root, loop, name, how == "hung") if first else local)
        return sessions[-1]

    app = create_app(hub_config(tmp_path, fleet, [name]), Deps(stick_files=files))
    phases = PhaseLog()
    try:
        async with TestClient(TestServer(app)) as client:
            app[keys.STICKS].listeners.append(phases)
            await learners_did_things(app, EVENTS)
            loop.attach(name, image)
            outcome = await phases.until(name, {"done", "failed"})
            first = await stick_json(client, name)
            assert outcome == "failed", first
            pull = sessions[0]
            assert isinstance(pull, PulledMidWrite) and pull.pulled.is_set()
            assert first["safe_to_remove"], first
            if how == "hung":
                assert not pull.release.is_set(), "the session ended while the write hung"
                assert first["message"].startswith("Removed too early"), first
            else:
                assert "stopped answering" in " ".join(first["problems"]), first
            assert 'Brought in: course "fracciones" version 1.' in first["results"]
            await hub_is_serving(client)
            if how == "killed":  # the technician pulls the stick: the loop device goes
                seen = phases.count(name)
                loop.detach(name)
                assert await phases.until(name, {"removed"}, after=seen) == "removed"
            pull.release.set()
            seen = phases.count(name)
            loop.attach(name, image)  # plugged in again
            assert await phases.until(name, {"done", "failed"}, after=seen) == "done"
            second = await stick_json(client, name)
            assert second["message"] == "Done: safe to remove.", second
            assert not any("course" in r for r in second["results"]), "the course came in once"
            await hub_is_serving(client)
            hub_id = app[keys.HUB_KEYS].key_id
            learner_events = await _event_ids(app)
            loop.detach(name)
    finally:
        for each in sessions:
            if isinstance(each, PulledMidWrite):
                each.release.set()
    box = image.copy_out(stick.outbox(hub_id), tmp_path / "box")
    names = [p.name for p in committed(box)]
    assert names[0] == "enro-1" and len(names) == 2 and names[1].startswith("prog-"), names
    assert sorted(p.name for p in box.iterdir()) == names, "nothing half-written is left over"
    progress = central_reads(fleet, box / names[1], hub_id, tmp_path / "central")
    ids = [e.event_id for e in progress.entries if isinstance(e, Event)]
    assert len(ids) == len(set(ids)) == EVENTS, "every progress record exactly once"
    assert set(ids) == learner_events
    status = (image.read(stick.STATUS_FILE) or b"").decode()
    assert status.count("Escuela 14") == 1 and "Done." in status


async def _event_ids(app: Any) -> set[str]:
    async with app[keys.STORE].reader() as db:
        rows = await (await db.execute("SELECT event_id FROM progress_events")).fetchall()
    return {str(r[0]) for r in rows}
