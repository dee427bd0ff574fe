"""A stick on the local disk, a fault-injecting layer over it, and a hub side for sessions."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pytest

from hubd.bundle import write_enrolment
from hubd.storage.store import Store
from hubd.usb import stick
from hubd.usb.handled import StoreHandledBundles
from hubd.usb.session import STEPS, HubSide, Session, StickFailed
from hubd.usb.stickfiles import LocalStickFiles, StickFiles
from tests.unit.bundle.bundlekit import Fleet


class Pulled(OSError):
    pass


class FaultyFiles:
    """Counts every operation; from operation ``fail_at`` on, each one fails with ``error``.

    A write that fails writes half of its data first, as a pulled stick would leave it.
    """

    def __init__(self, inner: StickFiles, fail_at: int | None = None, error: int = errno.EIO):
        self.inner = inner
        self.fail_at = fail_at
        self.error = error
        self.ops = 0
        self.log: list[str] = []

    def _step(self, what: str) -> None:
        self.ops += 1
        self.log.append(what)
        if self.fail_at is not None and self.ops >= self.fail_at:
            raise Pulled(self.error, f"injected failure at {what}")

    def list_dir(self, rel: str) -> list[tuple[str, bool]]:
        self._step(f"list {rel}")
        return self.inner.list_dir(rel)

    def read_small(self, rel: str, cap: int) -> bytes | None:
        self._step(f"read {rel}")
        return self.inner.read_small(rel, cap)

    def open_read(self, rel: str) -> BinaryIO:
        self._step(f"open {rel}")
        return self.inner.open_read(rel)

    def make_dir(self, rel: str) -> None:
        self._step(f"mkdir {rel}")
        self.inner.make_dir(rel)

    def write_new(self, rel: str, chunks: Iterable[bytes]) -> int:
        data = b"".join(chunks)
        try:
            self._step(f"write {rel}")
        except Pulled:
            self.inner.write_new(rel, [data[: len(data) // 2]])
            raise
        return self.inner.write_new(rel, [data])

    def rename_new(self, rel: str, new_rel: str) -> None:
        self._step(f"rename {rel}")
        self.inner.rename_new(rel, new_rel)

    def sync_dir(self, rel: str) -> None:
        self._step(f"sync {rel}")
        self.inner.sync_dir(rel)

    def hash_uncached(self, rel: str) -> str:
        self._step(f"hash {rel}")
        return self.inner.hash_uncached(rel)

    def remove(self, rel: str) -> None:
        self._step(f"remove {rel}")
        self.inner.remove(rel)

    def free_bytes(self) -> int | None:
        self._step("free")
        return self.inner.free_bytes()

    def is_full(self) -> bool:
        if self.fail_at is not None and self.ops >= self.fail_at:
            return self.error == errno.ENOSPC
        return self.inner.is_full()


@dataclass
class FakeHub:
    """A hub side on a real database whose appliers record what they applied."""

    fleet: Fleet
    data: Path
    store: Store
    applied: list[str] = field(default_factory=list)
    name: str = "Escuela 14"

    def side(self) -> HubSide:
        async def apply(folder: Path) -> str:
            manifest = (folder / "manifest.json").read_bytes()
            self.applied.append(manifest.decode())
            return "Brought in: a course."

        async def enrol(staging: Path, outbox: Sequence[stick.Peek]) -> Path | None:
            if any(p.kind == "enrol" for p in outbox):
                return None
            write_enrolment(self.fleet.hub, staging / "enro-1", fleet=self.fleet.trust.fleet)
            return staging / "enro-1"

        self.data.mkdir(parents=True, exist_ok=True)
        return HubSide(
            hub_id=self.fleet.hub.key_id,
            hub_name=self.name,
            fleet=self.fleet.trust.fleet,
            policy=self.fleet.hub_policy(),
            work_dir=self.data / "work",
            appliers={"content": apply},
            producers=[enrol],
            handled=StoreHandledBundles(self.store),
            monotonic=lambda: 0.0,
            wall_ms=lambda: 1_700_000_000_000,
        )


MakeHub = Callable[[Path], Awaitable[FakeHub]]


@pytest.fixture
async def make_hub(fleet: Fleet) -> AsyncIterator[MakeHub]:
    """Hubs, each on its own SQLite file, closed when the test ends."""
    stores: list[Store] = []

    async def make(data: Path) -> FakeHub:
        data.mkdir(parents=True, exist_ok=True)
        store = await Store.open(data / "hub.sqlite")
        stores.append(store)
        return FakeHub(fleet, data, store)

    yield make
    for store in stores:
        await store.close()


async def run_session(
    files: StickFiles, hub: HubSide, read_only: bool = False
) -> tuple[Session, str | None]:
    """Run every step; the failure message, or None when it finished."""
    session = Session(files, hub, read_only, lambda _p, _m: None, lambda _d, _t: None)
    try:
        for step in STEPS:
            await step(session)
    except StickFailed as exc:
        return session, exc.message
    return session, None


def committed_folders(root: Path, rel: str) -> Iterator[Path]:
    folder = root / rel
    if folder.is_dir():
        for entry in folder.iterdir():
            if (entry / "manifest.sig").exists():
                yield entry


def local(root: Path) -> LocalStickFiles:
    return LocalStickFiles(root)
