"""The stick service and watcher: a pull cancels the session at once and says so, the LED/buzzer
hook hears each state, a failed event monitor or scan is followed by a fresh scan."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import stat
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pytest

from hubd.usb.devices import BlockDevice, Change
from hubd.usb.monitor import StickWatcher, UeventSignal
from hubd.usb.mounter import Mounted
from hubd.usb.service import NOT_FLUSHED, SignalHook, StickService
from hubd.usb.status import StickBoard, StickState
from hubd.usb.stickfiles import LocalStickFiles, StickFiles
from tests.unit.bundle.bundlekit import Fleet
from tests.unit.usb.stickkit import FaultyFiles, MakeHub
from tests.unit.usb.test_session import stick_with_content

BOUND = 30.0  # seconds: only ever reached when something is broken


def device(name: str) -> BlockDevice:
    return BlockDevice(
        name=name,
        devtype="disk",
        number="7:0",
        disk=name,
        size_bytes=64 << 20,
        on_usb=True,
        removable=True,
        read_only=False,
        has_partitions=False,
        fs_type="vfat",
        label="ROUTE1",
    )


def plug(tmp_path: Path, name: str, fleet: Fleet) -> None:
    """A stick with a course on it, where FolderMounter "mounts" ``name``."""
    (tmp_path / "sticks").mkdir(exist_ok=True)
    stick_with_content(tmp_path / f"prep-{name}", fleet).rename(tmp_path / "sticks" / name)


@dataclass
class FolderMounter:
    """Mounts each "device" as a folder of the same name (the helper is tested for real
    elsewhere): records what was asked."""

    root: Path
    calls: list[str] = field(default_factory=list)
    flushed: bool = True  # False: the FUSE program was still writing after the unmount

    async def probe(self, name: str) -> tuple[str, str]:
        return "vfat", "ROUTE1"

    async def mount(self, name: str) -> Mounted:
        self.calls.append(f"mount {name}")
        return Mounted(self.root / name, "vfat", read_only=False)

    async def unmount(self, name: str) -> bool:
        self.calls.append(f"unmount {name}")
        return self.flushed


class StuckFiles(FaultyFiles):
    """A stick that hangs when a bundle part is opened, until ``release`` is set (a stick
    pulled in the middle of a read: the read never returns)."""

    def __init__(self, inner: StickFiles) -> None:
        super().__init__(inner)
        self.stuck = threading.Event()
        self.release = threading.Event()

    def open_read(self, rel: str) -> BinaryIO:
        if rel.endswith(".zst"):
            self.stuck.set()
            self.release.wait(BOUND)
            raise OSError(errno.ENOTCONN, "Transport endpoint is not connected")
        return super().open_read(rel)


@pytest.fixture
def hook_log(tmp_path: Path) -> tuple[str, Path]:
    """A signal command (a real program) that appends its arguments to a file."""
    log = tmp_path / "signals.log"
    script = tmp_path / "signal.sh"
    script.write_text(f'#!/bin/sh\necho "$1 $2" >> {log}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), log


@dataclass
class Running:
    service: StickService
    hook: SignalHook
    mounter: FolderMounter
    phases: dict[str, list[str]]
    changed: asyncio.Event

    async def until(self, name: str, phase: str) -> StickState:
        async with asyncio.timeout(BOUND):
            while phase not in self.phases.get(name, []):
                self.changed.clear()
                await self.changed.wait()
        state = self.service.board.get(name)
        assert state is not None
        return state

    async def signals(self, log: Path) -> list[str]:
        """What the hook programs wrote, once every one started so far has finished."""
        while self.hook.tasks:
            await asyncio.gather(*self.hook.tasks)
        return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
async def running(
    tmp_path: Path, make_hub: MakeHub, hook_log: tuple[str, Path]
) -> AsyncIterator[Callable[[Callable[[BlockDevice, LocalStickFiles], StickFiles]], Running]]:
    hub = await make_hub(tmp_path / "hub")
    tasks: list[asyncio.Task[None]] = []
    hooks: list[SignalHook] = []

    def start(files: Callable[[BlockDevice, LocalStickFiles], StickFiles]) -> Running:
        board = StickBoard()
        hook = SignalHook(hook_log[0])
        hooks.append(hook)
        phases: dict[str, list[str]] = {}
        changed = asyncio.Event()

        def note(state: StickState) -> None:
            phases.setdefault(state.device, []).append(state.phase)
            changed.set()

        board.listeners += [hook, note]
        mounter = FolderMounter(tmp_path / "sticks")
        service = StickService(board, mounter, hub.side, files=files)
        tasks.append(asyncio.create_task(service.run()))
        return Running(service, hook, mounter, phases, changed)

    yield start
    for task in tasks:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    for hook in hooks:
        await hook.close()


async def test_a_stick_pulled_mid_read_is_cancelled_at_once_and_reported_removed_too_early(
    tmp_path: Path, fleet: Fleet, running: Callable[..., Running], hook_log: tuple[str, Path]
) -> None:
    plug(tmp_path, "sdb", fleet)
    stuck: list[StuckFiles] = []

    def files(_device: BlockDevice, local: LocalStickFiles) -> StickFiles:
        stuck.append(StuckFiles(local))
        return stuck[-1]

    run = running(files)
    stick = device("sdb")
    try:
        await run.service.on_change(Change(frozenset({stick}), frozenset()))
        await run.until("sdb", "reading")
        async with asyncio.timeout(BOUND):
            await asyncio.to_thread(stuck[0].stuck.wait, BOUND)
        # The uevent says the stick is gone while the read still hangs in its thread.
        await run.service.on_change(Change(frozenset(), frozenset({stick})))
        state = await run.until("sdb", "failed")
        assert not stuck[0].release.is_set(), "the session ended while the read still hung"
    finally:
        for s in stuck:
            s.release.set()
    body = state.to_json()
    assert body["safe_to_remove"] and body["phase"] == "failed"
    assert body["message"].startswith("Removed too early")
    assert any(p.startswith("Removed too early") for p in body["problems"])
    assert run.mounter.calls == ["mount sdb", "unmount sdb"], "unmounted even so"
    assert await run.signals(hook_log[1]) == ["busy sdb", "failed sdb"]


async def test_the_signal_hook_hears_busy_done_then_idle_when_the_stick_is_pulled(
    tmp_path: Path, fleet: Fleet, running: Callable[..., Running], hook_log: tuple[str, Path]
) -> None:
    plug(tmp_path, "sdb", fleet)
    run = running(lambda _d, local: local)
    stick = device("sdb")
    await run.service.on_change(Change(frozenset({stick}), frozenset()))
    state = await run.until("sdb", "done")
    assert state.message == "Done: safe to remove.", state.problems
    await run.service.on_change(Change(frozenset(), frozenset({stick})))
    await run.until("sdb", "removed")
    assert await run.signals(hook_log[1]) == ["busy sdb", "done sdb", "idle sdb"]


async def test_a_stick_whose_last_writes_may_not_have_landed_is_not_called_done(
    tmp_path: Path, fleet: Fleet, running: Callable[..., Running], hook_log: tuple[str, Path]
) -> None:
    plug(tmp_path, "sdb", fleet)
    run = running(lambda _d, local: local)
    run.mounter.flushed = False
    await run.service.on_change(Change(frozenset({device("sdb")}), frozenset()))
    state = await run.until("sdb", "failed")
    assert state.problems == [NOT_FLUSHED], state.problems
    assert await run.signals(hook_log[1]) == ["busy sdb", "failed sdb"]


async def test_a_second_stick_pulled_while_it_waits_is_not_synced(
    tmp_path: Path, fleet: Fleet, running: Callable[..., Running], hook_log: tuple[str, Path]
) -> None:
    for name in ("sdb", "sdc"):
        plug(tmp_path, name, fleet)
    stuck: list[StuckFiles] = []

    def files(_device: BlockDevice, local: LocalStickFiles) -> StickFiles:
        stuck.append(StuckFiles(local))
        return stuck[-1]

    run = running(files)
    first, second = device("sdb"), device("sdc")
    try:
        await run.service.on_change(Change(frozenset({first, second}), frozenset()))
        await run.until("sdc", "waiting")
        await run.service.on_change(Change(frozenset(), frozenset({second})))
        await run.until("sdc", "removed")
        await run.until("sdb", "reading")
        await asyncio.to_thread(stuck[0].stuck.wait, BOUND)
        stuck[0].release.set()  # the first stick's read fails: a stick that stopped answering
        state = await run.until("sdb", "failed")
    finally:
        for s in stuck:
            s.release.set()
    assert "stopped answering" in " ".join(state.problems)
    assert run.service.sessions == 1
    assert run.mounter.calls == ["mount sdb", "unmount sdb"]


class ErrorMonitor:
    """A monitor on a real socket that fails once with ENOBUFS (the kernel dropped events)."""

    def __init__(self) -> None:
        self.ours, self.theirs = socket.socketpair()
        self.ours.setblocking(False)
        self.fail = False

    def fileno(self) -> int:
        return self.ours.fileno()

    def poll(self, timeout: float | None = None) -> object | None:
        try:
            data = self.ours.recv(1)
        except BlockingIOError:
            return None
        if self.fail:
            self.fail = False
            raise OSError(errno.ENOBUFS, os.strerror(errno.ENOBUFS))
        return data

    def close(self) -> None:
        self.ours.close()
        self.theirs.close()


async def test_a_failed_monitor_is_opened_again_and_everything_rescanned() -> None:
    monitors: list[ErrorMonitor] = []

    def opener(_source: str) -> ErrorMonitor:
        monitors.append(ErrorMonitor())
        return monitors[-1]

    present = [device("sdc")]
    changes: asyncio.Queue[Change] = asyncio.Queue()

    async def on_change(change: Change) -> None:
        await changes.put(change)

    async def probe(_d: BlockDevice) -> tuple[str, str]:
        return "vfat", ""

    signal = UeventSignal("kernel", opener=opener)
    watcher = StickWatcher(
        signal,
        on_change,
        probe,
        allow=(),
        stick_root="/run/hubd/sticks",
        debounce=0.05,
        scan=lambda: list(present),
    )
    task = asyncio.create_task(watcher.run())
    try:
        async with asyncio.timeout(BOUND):
            change = await changes.get()
        assert {d.name for d in change.added} == {"sdc"}, "the scan at start-up"
        # A stick arrives, but its event is lost: the monitor reports an overflow instead.
        present.append(device("sdb"))
        monitors[0].fail = True
        monitors[0].theirs.send(b"x")
        async with asyncio.timeout(BOUND):
            change = await changes.get()
        assert {d.name for d in change.added} == {"sdb"}
        assert signal.errors == 1 and len(monitors) == 2, "a fresh monitor, then the scan"
        # The fresh monitor works: the stick leaves and the watcher sees it.
        present.remove(device("sdb"))
        monitors[1].theirs.send(b"x")
        async with asyncio.timeout(BOUND):
            change = await changes.get()
        assert {d.name for d in change.removed} == {"sdb"}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for m in monitors:
            m.close()


async def test_a_failed_scan_is_tried_again_and_finds_the_stick() -> None:
    calls = [0]

    def scan() -> list[BlockDevice]:
        calls[0] += 1
        if calls[0] == 1:
            raise OSError(errno.EIO, "sysfs read failed")
        return [device("sdb")]

    changes: asyncio.Queue[Change] = asyncio.Queue()

    async def on_change(change: Change) -> None:
        await changes.put(change)

    async def probe(_d: BlockDevice) -> tuple[str, str]:
        return "vfat", ""

    monitor = ErrorMonitor()
    watcher = StickWatcher(
        UeventSignal("kernel", opener=lambda _s: monitor),
        on_change,
        probe,
        allow=(),
        stick_root="/run/hubd/sticks",
        debounce=0.05,
        scan=scan,
    )
    task = asyncio.create_task(watcher.run())
    try:
        async with asyncio.timeout(BOUND):
            change = await changes.get()
        assert {d.name for d in change.added} == {"sdb"} and calls[0] == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        monitor.close()
