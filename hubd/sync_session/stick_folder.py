"""A sync with a stick folder from the command line (``hubd sync-stick DIR``).

The technician's manual mode (a stick mounted by hand, a hub without automount) and the way
the end-to-end test drives a real hub process. It uses the very same functions as the USB
session: replies addressed to this hub are applied, then this hub's progress bundle is
written into its outbox, under a name readers ignore until it is complete, and the bundle it
replaces is deleted only after that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from hubd.bundle import bundle_folder_name, write_enrolment
from hubd.bundle.folder import fsync_dir
from hubd.config import DEFAULT_CONFIG_PATH, load_config
from hubd.content.from_bundle import BundleRefused
from hubd.deps import Deps
from hubd.fleet import hub_keys
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.storage.sync_export import central_has_answered
from hubd.sync.hlc import HybridClock
from hubd.sync_session.context import HubSync
from hubd.sync_session.progress_out import write_progress_bundle
from hubd.sync_session.reply_in import apply_reply_bundle
from hubd.usb import stick

#: Room left free on the stick for other hubs on the route.
STICK_MARGIN_BYTES = 16 << 20


@dataclass
class StickSync:
    """What one visit did, line by line for the technician."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _manifest(folder: Path) -> dict[str, object]:
    try:
        loaded = json.loads((folder / "manifest.json").read_bytes())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _replies_for(inbox: Path, me: str) -> list[Path]:
    """Finished reply folders addressed to this hub (a peek only to choose; all is verified)."""
    if not inbox.is_dir():
        return []
    return [
        folder
        for folder in sorted(inbox.iterdir())
        if (folder / "manifest.sig").exists()
        and _manifest(folder).get("kind") == "reply"
        and _manifest(folder).get("recipient") == me
    ]


def _has_enrolment(box: Path) -> bool:
    return any(_manifest(f).get("kind") == "enrol" for f in box.iterdir())


def _prepare_outbox(root: Path, me: str) -> tuple[Path, int]:
    box = root / stick.outbox(me)
    box.mkdir(parents=True, exist_ok=True)
    return box, shutil.disk_usage(root).free - STICK_MARGIN_BYTES


def _commit(box: Path, staging: Path, name: str) -> Path:
    """Give the finished bundle its real (new) name, then drop the progress it replaces."""
    final = box / name
    staging.rename(final)
    fsync_dir(box)
    for old in box.iterdir():
        if old != final and _manifest(old).get("kind", "progress") == "progress":
            shutil.rmtree(old, ignore_errors=True)
    fsync_dir(box)
    return final


async def sync_with_folder(hub: HubSync, root: Path) -> StickSync:
    """Apply this hub's replies found under `root`, then write its progress bundle there."""
    result = StickSync()
    me = hub.keys.key_id
    for folder in await asyncio.to_thread(_replies_for, root / stick.INBOX, me):
        try:
            report = await apply_reply_bundle(hub, folder)
            result.lines.append(report.summary())
        except BundleRefused as exc:
            result.problems.append(f"{folder.name}: {exc.message}")
    box, budget = await asyncio.to_thread(_prepare_outbox, root, me)
    await _ask_to_join(hub, box, result)
    staging = box / f".new-{secrets.token_hex(4)}"
    try:
        manifest = await write_progress_bundle(hub, staging, budget)
        if manifest is None:
            result.problems.append("The stick is full: no progress could be written.")
            return result
        final = await asyncio.to_thread(_commit, box, staging, bundle_folder_name(manifest))
    finally:
        await asyncio.to_thread(shutil.rmtree, staging, True)
    result.lines.append(f"Took out: learners' progress ({final.name}).")
    return result


async def _ask_to_join(hub: HubSync, box: Path, result: StickSync) -> None:
    """Until central has answered once, this hub's request to join rides on every stick."""
    async with hub.store.reader() as db:
        answered = await central_has_answered(db)
    if answered or await asyncio.to_thread(_has_enrolment, box):
        return
    await asyncio.to_thread(
        write_enrolment,
        hub.keys,
        box / "enro-1",
        fleet=hub.trust().fleet,
        hub_name=hub.identity.name,
    )
    result.lines.append("Took out: this hub's request to join.")


async def _run(config_path: Path, root: Path) -> int:
    config = load_config(config_path)
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
