"""A sync with a stick folder from the command line (``hubd sync-stick DIR``).

The technician's manual mode (a stick mounted by hand, a hub without automount) and the way
the end-to-end test drives a real hub process. It runs the USB session itself on the folder:
the same checks of the stick's programme, courses and replies brought in (verified, copied to
the hub's disk, applied in one transaction, bundles already handled skipped), this hub's
request to join and progress written into its outbox in commit order and read back, and the
visit's lines added to the stick's status file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from hubd.config import DEFAULT_CONFIG_PATH, load_config
from hubd.content.blobs import BlobStore
from hubd.deps import Deps
from hubd.fleet import hub_keys
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock
from hubd.sync_session.context import HubSync
from hubd.usb.session import Session, run_steps
from hubd.usb.stickfiles import LocalStickFiles
from hubd.usb.wiring import hub_side_for

#: Filesystems that ignore the case of names (a stick mounted by hand may be any of them).
CASE_BLIND = frozenset({"vfat", "msdos", "exfat", "fuseblk", "fuse.fusefat", "fuse.exfat"})


@dataclass
class StickSync:
    """What one visit did, line by line for the technician."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def filesystem_type(folder: Path) -> str:
    """The type of the filesystem ``folder`` is on, from the kernel's mount table."""
    target = os.path.realpath(folder)
    best, kind = "", ""
    with Path("/proc/self/mounts").open(encoding="utf-8") as mounts:
        for line in mounts:
            fields = line.split()
            point = fields[1].replace("\\040", " ")
            inside = target == point or target.startswith(point.rstrip("/") + "/")
            if inside and len(point) >= len(best):
                best, kind = point, fields[2]
    return kind


async def sync_with_folder(hub: HubSync, root: Path) -> StickSync:
    """One USB session on the stick mounted at ``root``: bring in, take out, note the visit."""
    fold_case = await asyncio.to_thread(filesystem_type, root) in CASE_BLIND
    session = Session(
        files=LocalStickFiles(root, fold_case=fold_case),
        hub=hub_side_for(hub, BlobStore(hub.config.blobs_dir), time.monotonic),
        read_only=not os.access(root, os.W_OK),
        report=lambda phase, message: None,
        progress=lambda done, total: None,
    )
    await run_steps(session)
    return StickSync(session.results, session.problems)


async def _run(config_path: Path, root: Path) -> int:
    config = load_config(config_path)
    if not await asyncio.to_thread(root.is_dir):
        print(f"problem: {root} is not a folder; give the folder the stick is mounted at.")
        return 2
    deps = Deps()
    keys = await asyncio.to_thread(hub_keys, config)
    store = await Store.open(config.database_path)
    try:
        clock = HybridClock()
        identity = await store.write(
            ensure_identity(config.hub.name, clock, deps.wall_ms(), hub_id=keys.key_id)
        )
        hub = HubSync(config, store, clock, identity, keys, deps.wall_ms)
        result = await sync_with_folder(hub, root)
    finally:
        await store.close()
    for line in result.lines:
        print(line)
    for line in result.problems:
        print(f"problem: {line}")
    return 1 if result.problems else 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hubd sync-stick [--config PATH] DIR`."""
    parser = sub.add_parser(
        "sync-stick", help="exchange bundles with a stick mounted at DIR (manual mode)"
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH)
    parser.add_argument("stick", type=Path)
    parser.set_defaults(func=lambda args: asyncio.run(_run(args.config, args.stick)))
