"""One sync session on one mounted stick: a list of steps, each safe to interrupt anywhere.

Reading: every bundle for all hubs or for this hub is verified and copied to the hub's disk
(through :mod:`hubd.bundle`, hashing as it copies), then handed to the applier for its kind,
which applies it in one transaction or not at all. Writing: each producer stages a bundle on the
hub's disk; the session copies it into this hub's outbox in commit order (parts fsynced, then
the manifest, then the signature under a temporary name renamed to a new name, then the folder
fsynced, then everything re-read past the page cache) and only then deletes what it replaces.
A stick pulled at any instant leaves the old bundle or the new one, never a half one that counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import json
import logging
import secrets
import shutil
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

from hubd.bundle import BundleError, IncompleteBundle, ReadPolicy, read_bundle
from hubd.errors import HubError
from hubd.usb import stick
from hubd.usb.handled import HandledBundles
from hubd.usb.stickfiles import StickFiles

_LOGGER = logging.getLogger(__name__)

Applier = Callable[[Path], Awaitable[str]]
Producer = Callable[[Path, Sequence[stick.Peek]], Awaitable[Path | None]]
T = TypeVar("T")


@dataclass
class HubSide:
    """What a session needs from the hub, passed in so tests can hand in their own."""

    hub_id: str
    hub_name: str
    fleet: str
    policy: ReadPolicy | None
    work_dir: Path
    appliers: Mapping[str, Applier]
    producers: Sequence[Producer]
    handled: HandledBundles
    monotonic: Callable[[], float]
    wall_ms: Callable[[], int]


class StickFailed(Exception):
    """The stick cannot be used any more in this session; ``message`` is for the technician.

    ``answering``: the stick still works (it is full, or gave back wrong bytes), so the
    session can still tell its status file what happened."""

    def __init__(self, message: str, *, answering: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.answering = answering


#: Errors that mean the stick is gone (pulled out, or its FUSE program died).
GONE = frozenset({errno.ENOTCONN, errno.ENODEV, errno.ENXIO, errno.ESHUTDOWN})
#: Errors that mean the filesystem on the stick is damaged.
DAMAGED = frozenset({errno.EUCLEAN, errno.EBADMSG})


def plain_oserror(exc: OSError) -> str:
    """What a technician should read for a filesystem error on the stick."""
    if exc.errno == errno.ENOSPC:
        return "The stick is full. Delete other files from it, or use a bigger stick."
    if exc.errno == errno.EROFS:
        return "The stick is write-protected. Slide its lock switch off and plug it in again."
    if exc.errno in GONE:
        return (
            "The stick stopped answering (was it pulled out?). Nothing on this hub was harmed; "
            "plug the stick in again to finish."
        )
    if exc.errno in DAMAGED:
        return (
            "The stick is damaged. Nothing on this hub was harmed. Copy off what you need, "
            "format the stick as FAT32 or exFAT on a computer, and use it again."
        )
    return (
        "The stick stopped answering or is damaged (was it pulled out?). Nothing on this hub was "
        "harmed; plug it in again to finish. If it fails again, copy off what you need and "
        "format the stick on a computer."
    )


@dataclass
class Session:
    """The state one session carries from step to step."""

    files: StickFiles
    hub: HubSide
    read_only: bool
    report: Callable[[str, str], None]  # (phase, message)
    progress: Callable[[int, int], None]  # (bytes done, bytes total)
    results: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    done: int = 0
    total: int = 0

    async def io(self, fn: Callable[[], T]) -> T:
        """Run one blocking stick operation in a thread; a failure ends the session."""
        try:
            return await asyncio.to_thread(fn)
        except OSError as exc:
            _LOGGER.warning("Stick operation failed: %s", exc)
            if exc.errno not in (errno.ENOSPC, errno.EROFS) and await self._full():
                exc = OSError(errno.ENOSPC, f"the stick is full ({exc})")
            raise StickFailed(plain_oserror(exc), answering=exc.errno == errno.ENOSPC) from exc

    async def _full(self) -> bool:
        """Whether a failure is really a full stick (fusefat says EPERM when it is full)."""
        try:
            return await asyncio.to_thread(self.files.is_full)
        except OSError:
            return False  # the stick is not answering at all

    def count(self, n: int) -> None:
        self.done += n
        self.progress(self.done, self.total)


Step = Callable[[Session], Awaitable[None]]


async def check_stick(s: Session) -> None:
    """Leave another programme's stick alone; lay out this programme's folder on a new one."""
    s.report("opening", "")
    marker = await s.io(lambda: s.files.read_small(stick.FLEET_FILE, stick.MAX_SMALL_FILE))
    problem = stick.fleet_problem(marker, s.hub.fleet)
    if problem:
        raise StickFailed(problem)
    if s.read_only:
        return
    await s.io(lambda: s.files.make_dir(stick.STICK_FOLDER))
    if marker is None or marker.decode("utf-8", "replace").strip().lower() != s.hub.fleet:
        await s.io(lambda: _replace_small(s.files, stick.FLEET_FILE, s.hub.fleet.encode()))
    readme = await s.io(lambda: s.files.read_small(stick.README_FILE, stick.MAX_SMALL_FILE))
    if readme is None:
        await s.io(lambda: s.files.write_new(stick.README_FILE, [stick.README.encode()]))


def _replace_small(files: StickFiles, rel: str, data: bytes) -> None:
    """Write whole under a temporary name, then take the real name: a pull never leaves a
    half-written file under the name readers use."""
    tmp = f"{rel}.tmp"
    files.remove(tmp)
    files.write_new(tmp, [data])
    files.remove(rel)
    files.rename_new(tmp, rel)


async def read_incoming(s: Session) -> None:
    """Verify, copy and apply every bundle on the stick for all hubs or for this one."""
    s.report("reading", "")
    found = await s.io(lambda: _incoming(s.files, s.hub, s.problems))
    peeks = [p for p in found if not await s.hub.handled.skip(p.bundle_id, p.fingerprint)]
    if not peeks:
        return
    if s.hub.policy is None:
        s.problems.append("This hub belongs to no programme, so it cannot check what sticks bring.")
        return
    s.total, s.done = sum(p.size for p in peeks), 0
    for peek in stick.apply_order(peeks):
        await _apply_one(s, peek, s.hub.policy)


def _incoming(files: StickFiles, hub: HubSide, problems: list[str]) -> list[stick.Peek]:
    found = []
    for name, is_dir in files.list_dir(stick.INBOX):
        if not is_dir or not stick.is_bundle_folder_name(name):
            continue
        rel = f"{stick.INBOX}/{name}"
        if "manifest.sig" not in {n for n, _ in files.list_dir(rel)}:
            continue  # an unfinished write: ignored
        data = files.read_small(f"{rel}/manifest.json", stick.MAX_SMALL_FILE)
        signature = files.read_small(f"{rel}/manifest.sig", stick.MAX_SMALL_FILE)
        peek = None if data is None else stick.peek_manifest(rel, data, signature or b"")
        if peek is None:
            problems.append(f"The bundle {name} on the stick is damaged; it was not applied.")
            continue
        if stick.for_this_hub(peek, hub.hub_id):
            found.append(peek)
    return found


class _StickSource:
    """A bundle folder on the stick as :mod:`hubd.bundle` reads it, counting bytes for progress."""

    def __init__(self, s: Session, rel: str) -> None:
        self._s = s
        self._rel = rel

    def names(self) -> list[str]:
        return [name for name, _ in self._s.files.list_dir(self._rel)]

    def open_member(self, name: str) -> BinaryIO:
        raw = self._s.files.open_read(f"{self._rel}/{name}")
        return cast(BinaryIO, _Counting(raw, self._s.count))


class _Counting:
    def __init__(self, raw: BinaryIO, count: Callable[[int], None]) -> None:
        self._raw = raw
        self._count = count

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self._count(len(data))
        return data

    def __enter__(self) -> _Counting:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()


async def _apply_one(s: Session, peek: stick.Peek, policy: ReadPolicy) -> None:
    name = peek.folder.rsplit("/", 1)[-1]
    work = s.hub.work_dir / f"stick-{secrets.token_hex(6)}"
    s.hub.work_dir.mkdir(parents=True, exist_ok=True)
    try:
        try:
            verified = await s.io(
                lambda: read_bundle(_StickSource(s, peek.folder), work, policy, check_payload=False)
            )
        except IncompleteBundle:
            return  # its signature vanished since the peek: an unfinished write, ignored
        except BundleError as exc:
            s.problems.append(f"Bundle {name} was refused: {exc.reason}")
            await s.hub.handled.refused(peek.bundle_id, peek.fingerprint, peek.kind, exc.code)
            return
        applier = s.hub.appliers.get(verified.manifest.kind)
        if applier is None:
            s.results.append(f"Left on the stick: a {peek.kind} bundle this hub cannot use yet.")
            return
        s.report("applying", "")
        await _not_cut_short(_apply_verified(s, peek, applier, verified.folder))
        s.report("reading", "")
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)


async def _apply_verified(s: Session, peek: stick.Peek, applier: Applier, folder: Path) -> None:
    name = peek.folder.rsplit("/", 1)[-1]
    try:
        s.results.append(await applier(folder))
    except HubError as exc:
        s.problems.append(f"Bundle {name} was not applied: {exc.message}")
        await s.hub.handled.refused(peek.bundle_id, peek.fingerprint, peek.kind, exc.code)
    else:
        await s.hub.handled.applied(peek.bundle_id, peek.fingerprint, peek.kind)


async def _not_cut_short(work: Coroutine[Any, Any, None]) -> None:
    """Finish ``work`` even if the session is cancelled meanwhile (the stick was pulled): it
    reads only the hub's own copy, and stopping halfway would leave the bundle applied but not
    recorded. The cancellation is passed on once it is done."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


async def write_outbox(s: Session) -> None:
    """Write this hub's bundles into its outbox, in commit order, then drop what they replace."""
    if s.read_only:
        s.problems.append(plain_oserror(OSError(errno.EROFS, "read-only")))
        return
    s.report("writing", "")
    box = stick.outbox(s.hub.hub_id)
    await s.io(lambda: _make_dirs(s.files, box))
    staging = s.hub.work_dir / f"out-{secrets.token_hex(6)}"
    staging.mkdir(parents=True)
    try:
        for producer in s.hub.producers:
            existing = await s.io(lambda: _outbox(s.files, box))
            staged = await producer(staging, [p for _, p in existing if p is not None])
            if staged is not None:
                await _copy_bundle(s, staged, box, existing)
    finally:
        await asyncio.to_thread(shutil.rmtree, staging, True)


def _make_dirs(files: StickFiles, box: str) -> None:
    files.make_dir(stick.STICK_FOLDER)
    files.make_dir(stick.OUTBOXES)
    files.make_dir(box)


def _outbox(files: StickFiles, box: str) -> list[tuple[str, stick.Peek | None]]:
    out: list[tuple[str, stick.Peek | None]] = []
    for name, _ in files.list_dir(box):
        rel = f"{box}/{name}"
        complete = stick.is_bundle_folder_name(name) and "manifest.sig" in {
            n for n, _ in files.list_dir(rel)
        }
        data = files.read_small(f"{rel}/manifest.json", stick.MAX_SMALL_FILE) if complete else None
        out.append((rel, None if data is None else stick.peek_manifest(rel, data)))
    return out


async def _copy_bundle(
    s: Session, staged: Path, box: str, existing: list[tuple[str, stick.Peek | None]]
) -> None:
    manifest = json.loads(staged.joinpath("manifest.json").read_bytes())
    parts = [str(p["name"]) for p in manifest["parts"]]
    extras = [n for n in ("trust.json", "trust.sig") if staged.joinpath(n).exists()]
    order = [*parts, *extras, "manifest.json"]  # manifest.sig last: the commit marker
    sizes = {n: staged.joinpath(n).stat().st_size for n in [*order, "manifest.sig"]}
    s.total, s.done = sum(sizes.values()), 0
    free = await s.io(s.files.free_bytes)
    if free is not None and free < s.total + (1 << 20):
        raise StickFailed(
            f"The stick is full: this hub needs {s.total / 1e6:.1f} MB and only "
            f"{free / 1e6:.1f} MB are free. Delete other files from it, or use a bigger stick."
        )
    dest = f"{box}/{staged.name}"
    await s.io(lambda: s.files.remove(dest))  # our own unfinished attempt with this name
    try:
        await _write_and_check(s, staged, dest, order)
    except StickFailed as exc:
        if exc.answering:  # a full stick: give the space of the unfinished copy back
            with contextlib.suppress(OSError):
                await asyncio.to_thread(s.files.remove, dest)
        raise
    for doomed in stick.replaced_by(manifest["kind"], dest, existing):
        await s.io(lambda d=doomed: s.files.remove(d))  # type: ignore[misc]
    await s.io(lambda: s.files.sync_dir(box))
    s.results.append(f"Took out: {_kind_words(manifest['kind'])} ({s.total / 1e6:.2f} MB).")
    s.report("writing", "")


async def _write_and_check(s: Session, staged: Path, dest: str, order: list[str]) -> None:
    """Copy in commit order (the signature last), then read everything back past the cache."""
    box = dest.rsplit("/", 1)[0]
    await s.io(lambda: s.files.make_dir(dest))
    for name in order:
        await s.io(lambda n=name: s.files.write_new(f"{dest}/{n}", _chunks(staged / n, s.count)))  # type: ignore[misc]
    await s.io(
        lambda: s.files.write_new(
            f"{dest}/manifest.sig.tmp", _chunks(staged / "manifest.sig", s.count)
        )
    )
    await s.io(lambda: s.files.rename_new(f"{dest}/manifest.sig.tmp", f"{dest}/manifest.sig"))
    await s.io(lambda: s.files.sync_dir(dest))
    await s.io(lambda: s.files.sync_dir(box))
    s.report("checking", "")
    for name in [*order, "manifest.sig"]:
        got = await s.io(lambda n=name: s.files.hash_uncached(f"{dest}/{n}"))  # type: ignore[misc]
        if got != _sha256(staged / name):
            raise StickFailed(
                "The stick did not give back what was written (it may be failing). "
                "Try another stick."
            )


def _kind_words(kind: str) -> str:
    return {"progress": "learners' progress", "enrol": "this hub's request to join"}.get(kind, kind)


def _chunks(path: Path, count: Callable[[int], None], block: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as src:
        while data := src.read(block):
            count(len(data))
            yield data


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as src:
        while data := src.read(1 << 20):
            sha.update(data)
    return sha.hexdigest()


async def write_status(s: Session, outcome: str | None = None) -> None:
    """Add this visit to the stick's status file (never renaming over the old one)."""
    if s.read_only:
        return
    s.report("closing", "")
    entry = status_entry(s, outcome)

    def write() -> None:
        previous = s.files.read_small(stick.STATUS_FILE, 1 << 20)
        if previous is None:  # a pull between delete and rename below left only the new one
            previous = s.files.read_small(stick.STATUS_NEW, 1 << 20)
        data = stick.status_lines(previous, entry)
        s.files.remove(stick.STATUS_NEW)
        s.files.write_new(stick.STATUS_NEW, [data])
        s.files.remove(stick.STATUS_FILE)
        s.files.rename_new(stick.STATUS_NEW, stick.STATUS_FILE)
        s.files.sync_dir(stick.STICK_FOLDER)

    await s.io(write)


def status_entry(s: Session, outcome: str | None = None) -> list[str]:
    """This visit in plain words, for the status file and the log."""
    when = _wall_text(s.hub.wall_ms())
    head = f"{when}  {s.hub.hub_name} (hub {s.hub.hub_id[:8]})"
    verdict = outcome or ("Done, with problems." if s.problems else "Done.")
    lines = [head, f"  {verdict}"]
    lines += [f"  {r}" for r in s.results] or ["  Nothing to bring in or take out."]
    lines += [f"  Problem: {p}" for p in s.problems]
    return [*lines, ""]


def _wall_text(ms: int) -> str:
    import time

    if ms < 1_000_000_000_000:  # before 2001: this hub's clock is not set
        return "(hub clock not set)"
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ms / 1000)) + " UTC"


STEPS: tuple[Step, ...] = (check_stick, read_incoming, write_outbox, write_status)


async def run_steps(s: Session, steps: Sequence[Step] = STEPS) -> bool:
    """Run the steps in order; True when all ran. A StickFailed ends the session with its
    message among the problems, and a stick that still answers (a full one) gets its line in
    the status file."""
    try:
        for step in steps:
            await step(s)
    except StickFailed as exc:
        s.problems.append(exc.message)
        if exc.answering:
            with contextlib.suppress(StickFailed):
                await write_status(s, "Not finished.")
        return False
    return True
