"""Real sticks for tests: filesystem images (FAT32, exFAT, ext4) on loop devices the kernel
announces with real uevents, a running hub that mounts them through the real helper, and a
clean-up that always detaches and unmounts, even when a test fails.

Needs root and the tools from Debian (dosfstools, mtools, exfatprogs, exfat-fuse, fusefat,
e2fsprogs, util-linux). A missing tool fails the test: these tests never skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hubd.bundle import DEFAULT_LIMITS, pack_content, read_bundle_folder
from hubd.config import Config, FleetSection, HubSection, StorageSection, UsbSection, WebSection
from hubd.deps import Deps
from hubd.storage.progress import append_events
from hubd.storage.roster import NewGroup, NewLearner, add_learners
from hubd.sync.events import NewEvent
from hubd.sync.messages import ProgressBundle, parse_progress
from hubd.usb import stick
from hubd.usb.status import StickState
from hubd.web import keys
from hubd.web.app import create_app
from tests.unit.bundle.bundlekit import Fleet

BOUND = 120.0  # seconds: a bound that is only reached when something is broken
LOOP_NUMBERS = range(150, 256)  # far from the ones `losetup -f` hands out


def run(*argv: str, check: bool = True) -> str:
    """Run a tool; a missing one fails the test with its name."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
    except FileNotFoundError:
        raise AssertionError(f"{argv[0]} is not installed (see scripts/test-all.sh)") from None
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed: {done.stderr.strip() or done.stdout}")
    return done.stdout.strip()


def mounts_under(root: Path) -> list[Path]:
    prefix = str(root).rstrip("/") + "/"
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point.startswith(prefix):
            found.append(Path(point))
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def fuse_daemon(mount_point: Path) -> int | None:
    """The pid of the FUSE program (fusefat, exfat-fuse) serving ``mount_point``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(mount_point).encode() in argv and b"fuse" in argv[0]:
            return int(entry.name)
    return None


def wait_gone(pid: int) -> None:
    """Wait until a process (not our child) has exited: a pidfd says when."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        ready, _, _ = select.select([fd], [], [], BOUND)
        assert ready, f"process {pid} is still running"
    finally:
        os.close(fd)


class StickImage:
    """A stick as an image file: FAT32 (``vfat``), ``exfat`` or ``ext4``, written and read
    while no loop device holds it."""

    def __init__(self, path: Path, fs: str = "vfat", mb: int = 64, label: str = "ROUTE1"):
        self.path, self.fs = path, fs
        with path.open("wb") as f:
            f.truncate(mb << 20)
        if fs == "vfat":
            run("mkfs.vfat", "-F", "32", "-n", label, str(path))
        elif fs == "exfat":
            run("mkfs.exfat", "-L", label, str(path))
        elif fs == "ext4":
            run("mkfs.ext4", "-q", "-F", "-L", label, str(path))
        else:
            raise ValueError(fs)

    @contextlib.contextmanager
    def opened(self) -> Iterator[Path]:
        """The image's files, mounted read-write at a private place (fusefat, exfat-fuse, or
        the kernel's ext4 through an automatic loop device)."""
        where = self.path.with_name(f"{self.path.name}.open-{uuid.uuid4().hex[:6]}")
        where.mkdir()
        device = None
        if self.fs == "vfat":
            run("fusefat", "-o", "rw+", str(self.path), str(where))
        elif self.fs == "exfat":  # exfat-fuse wants a block device
            device = run("losetup", "-f", "--show", str(self.path))
            run("mount.exfat-fuse", device, str(where))
        else:
            run("mount", "-o", "loop", str(self.path), str(where))
        try:
            yield where
        finally:
            daemon = fuse_daemon(where)
            run("umount", str(where))
            if daemon is not None:  # a FUSE program writes its last changes after umount
                wait_gone(daemon)
            where.rmdir()
            if device is not None:
                run("losetup", "-d", device)

    def fill(self, leave_bytes: int) -> None:
        """Fill a FAT stick with someone's junk until only about ``leave_bytes`` are free."""
        assert self.fs == "vfat", "filled through mtools"
        junk = self.path.with_name("junk.bin")
        with junk.open("wb") as f:
            f.truncate(max(0, self.fat_free() - leave_bytes))
        run("mcopy", "-i", str(self.path), str(junk), "::junk.bin")
        junk.unlink()

    def fat_free(self) -> int:
        """Free bytes on a FAT stick, as mtools counts them."""
        out = run("mdir", "-i", str(self.path), "::")
        for line in out.splitlines():
            if "bytes free" in line:
                return int(line.split("bytes free")[0].replace(" ", "").replace(",", ""))
        raise AssertionError(f"mdir says nothing about free space: {out}")

    def delete(self, rel: str) -> None:
        """The technician deletes a file from a FAT stick on a computer."""
        run("mdel", "-i", str(self.path), f"::{rel}")

    def put_bundle(self, bundle: Path, name: str) -> None:
        """A bundle folder into the stick's inbox (plain copies: fusefat has no chmod)."""
        with self.opened() as root:
            target = root / stick.INBOX / name
            target.mkdir(parents=True)
            for part in sorted(bundle.iterdir()):
                (target / part.name).write_bytes(part.read_bytes())

    def put_bundle_in_capitals(self, bundle: Path, name: str) -> None:
        """A bundle copied by a DOS-style tool (mtools): plain 8.3 names, listed in capitals."""
        assert self.fs == "vfat"
        folder = f"::{stick.INBOX}/{name}"
        run("mmd", "-i", str(self.path), f"::{stick.STICK_FOLDER}", f"::{stick.INBOX}", folder)
        files = sorted(str(p) for p in bundle.iterdir())
        run("mcopy", "-i", str(self.path), *files, f"{folder}/")

    def read(self, rel: str) -> bytes | None:
        with self.opened() as root:
            path = root / rel
            return path.read_bytes() if path.exists() else None

    def copy_out(self, rel: str, dest: Path) -> Path:
        with self.opened() as root:
            run("cp", "-r", str(root / rel), str(dest))
        return dest


class Loops:
    """Loop devices for one test, always detached at the end (and every mount under the
    test's folders undone first)."""

    def __init__(self, tmp: Path, count: int) -> None:
        self.tmp = tmp
        self.names = self._free(count)
        self.attached: set[str] = set()

    @staticmethod
    def _free(count: int) -> list[str]:
        names = []
        for number in LOOP_NUMBERS:
            sys_dir = Path(f"/sys/block/loop{number}")
            if not (sys_dir / "loop" / "backing_file").exists():
                names.append(f"loop{number}")
            if len(names) == count:
                return names
        raise AssertionError("no free loop device numbers")

    def attach(self, name: str, image: StickImage, *, read_only: bool = False) -> None:
        """Plug the stick in: the kernel sends its uevent."""
        run("losetup", *(["-r"] if read_only else []), f"/dev/{name}", str(image.path))
        self.attached.add(name)

    def detach(self, name: str) -> None:
        """Pull the stick out (the loop device goes once nothing holds it open)."""
        run("losetup", "-d", f"/dev/{name}")
        self.attached.discard(name)

    def cleanup(self) -> None:
        for point in mounts_under(self.tmp):
            pid = fuse_daemon(point)
            subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for name in self.names:
            backing = Path(f"/sys/block/{name}/loop/backing_file")
            if backing.exists() and backing.read_text().strip().startswith(str(self.tmp)):
                subprocess.run(["losetup", "-d", f"/dev/{name}"], capture_output=True, check=False)


def hub_config(tmp: Path, fleet: Fleet, allow: list[str], signal_command: str = "") -> Config:
    sticks = tmp / "sticks"
    helper = f"{sys.executable} -m hubd.usb.mount_helper --allow-loop --mount-root {sticks}"
    return Config(
        hub=HubSection(name="Escuela 14", data_dir=tmp / "hub"),
        web=WebSection(host="127.0.0.1", port=0),
        storage=StorageSection(min_free_mb=0),
        fleet=FleetSection(id=fleet.trust.fleet, root_public_key=fleet.trust.root),
        usb=UsbSection(
            mounter="command",
            helper_command=helper,
            mount_root=sticks,
            allow_devices=" ".join(allow),
            debounce_seconds=0.2,
            signal_command=signal_command,
        ),
    )


@dataclass
class PhaseLog:
    """Every phase each stick went through, and a way to wait for one."""

    seen: dict[str, list[str]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, state: StickState) -> None:
        self.seen.setdefault(state.device, []).append(state.phase)
        self.changed.set()

    async def until(self, device: str, phases: set[str], after: int = 0) -> str:
        """Wait for one of ``phases`` past the first ``after`` phases of ``device``."""
        async with asyncio.timeout(BOUND):
            while True:
                for phase in self.seen.get(device, [])[after:]:
                    if phase in phases:
                        return phase
                self.changed.clear()
                await self.changed.wait()

    def count(self, device: str) -> int:
        return len(self.seen.get(device, []))


async def stick_json(client: TestClient[web.Request, web.Application], device: str) -> Any:
    body = await (await client.get("/api/v1/sticks")).json()
    [state] = [s for s in body["sticks"] if s["device"] == device]
    return state


async def hub_is_serving(client: TestClient[web.Request, web.Application]) -> None:
    """The hub still answers learners and its database is whole."""
    response = await client.get("/api/v1/health")
    body = await response.json()
    assert response.status == 200 and body["database"]["ok"], body
    response = await client.get("/api/v1/courses")
    assert response.status == 200
    store = client.app[keys.STORE]
    async with store.reader() as db:
        rows = await (await db.execute("PRAGMA quick_check")).fetchall()
    assert [tuple(r) for r in rows] == [("ok",)]


async def learners_did_things(app: web.Application, events: int) -> None:
    """A group of learners and ``events`` progress events in the hub's database."""
    store, identity, clock = app[keys.STORE], app[keys.IDENTITY], app[keys.CLOCK]
    wall = app[keys.DEPS].wall_ms
    learners = await store.write(
        add_learners(
            identity,
            clock.now(wall()),
            [NewLearner(f"Learner {i}", "g1") for i in range(20)],
            new_groups=[NewGroup("g1", "Group 1")],
        )
    )
    batch = [
        NewEvent(
            str(uuid.uuid4()),
            learners[i % len(learners)],
            "time_spent",
            "c1",
            f"l{i % 40}",
            json.dumps({"seconds": 1 + i % 600}),
        )
        for i in range(events)
    ]
    await store.write(append_events(batch, identity, clock, wall()))


def central_reads(fleet: Fleet, folder: Path, hub_id: str, work: Path) -> ProgressBundle:
    """Central's view of a progress bundle: verified, decrypted, parsed."""
    policy = fleet.central_policy(DEFAULT_LIMITS, enrolled_hubs=frozenset({hub_id}))
    with read_bundle_folder(folder, work, policy) as verified:
        return parse_progress(list(verified.records()))


def committed(box: Path) -> list[Path]:
    """Bundle folders in an outbox that readers take for whole."""
    if not box.is_dir():
        return []
    return sorted(
        p
        for p in box.iterdir()
        if stick.is_bundle_folder_name(p.name) and (p / "manifest.sig").exists()
    )


def content_bundle(fleet: Fleet, course: Path, target: Path, sequence: int = 1) -> Path:
    pack_content(
        course,
        target,
        fleet=fleet.trust.fleet,
        sequence=sequence,
        signing_keys=[fleet.content[0]],
        trust_files=fleet.trust_files,
    )
    return target


@dataclass
class RealHub:
    """A running hub (real database, real helper) and what it said about each stick."""

    app: web.Application
    client: TestClient[web.Request, web.Application]
    phases: PhaseLog
    loops: Loops

    async def visit(self, name: str, image: StickImage, *, read_only: bool = False) -> Any:
        """Plug the stick in and wait until the hub is finished with it; its board entry."""
        seen = self.phases.count(name)
        self.loops.attach(name, image, read_only=read_only)
        await self.phases.until(name, {"done", "failed"}, after=seen)
        return await stick_json(self.client, name)

    async def pull(self, name: str) -> None:
        """Pull the stick out and wait until the hub has noticed."""
        seen = self.phases.count(name)
        self.loops.detach(name)
        await self.phases.until(name, {"removed"}, after=seen)

    async def courses(self) -> list[str]:
        body = await (await self.client.get("/api/v1/courses")).json()
        return [c["id"] for c in body["courses"]]


@contextlib.asynccontextmanager
async def real_hub(tmp: Path, fleet: Fleet, loops: Loops) -> AsyncIterator[RealHub]:
    """A hub that may sync the given loop devices, started and stopped around the block."""
    app = create_app(hub_config(tmp, fleet, loops.names), Deps())
    phases = PhaseLog()
    async with TestClient(TestServer(app)) as client:
        app[keys.STICKS].listeners.append(phases)
        yield RealHub(app, client, phases, loops)
