"""Publishing replies onto a stick (or into a folder an online hub fetches from).

A stick's layout is the hub's (see hubd/usb/stick.py): bundles for hubs go in
``learnhub/in/<bundle>/``. Each reply is written under a dot-name that readers ignore, renamed
to its real (new) name once committed, and only then are the older replies for the same hub
deleted: a stick pulled at any moment holds the old reply or the new one.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from central.db import Database
from central.replies import ReplyKeys, ReplyWritten, write_reply
from hubd.bundle import bundle_folder_name
from hubd.bundle.folder import fsync_dir

_LOGGER = logging.getLogger(__name__)
INBOX = Path("learnhub") / "in"


@dataclass(frozen=True, slots=True)
class Published:
    folder: Path
    reply: ReplyWritten


def approved(db: Database) -> list[str]:
    with db.transaction() as tx:
        rows = tx.execute("SELECT hub_id FROM hubs WHERE status = 'approved' ORDER BY hub_id")
    return [str(r[0]) for r in rows]


def publish(
    db: Database,
    keys: ReplyKeys,
    stick_root: Path,
    wall_ms: Callable[[], int],
    *,
    hub_ids: list[str] | None = None,
    budget_bytes: int,
) -> list[Published]:
    """Write a reply for each approved hub (or the given ones) into the stick's inbox."""
    inbox = stick_root / INBOX
    inbox.mkdir(parents=True, exist_ok=True)
    done = []
    for hub_id in hub_ids if hub_ids is not None else approved(db):
        staging = inbox / f".new-{secrets.token_hex(4)}"
        try:
            reply = write_reply(db, keys, hub_id, staging, budget_bytes, wall_ms)
            final = inbox / bundle_folder_name(reply.manifest)
            staging.rename(final)
            fsync_dir(inbox)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for old in _older_replies(inbox, hub_id, final):
            shutil.rmtree(old, ignore_errors=True)
        fsync_dir(inbox)
        done.append(Published(final, reply))
    return done


def _older_replies(inbox: Path, hub_id: str, keep: Path) -> list[Path]:
    found = []
    for folder in inbox.iterdir():
        if folder == keep or not folder.is_dir() or folder.is_symlink():
            continue
        try:
            manifest = json.loads((folder / "manifest.json").read_bytes())
        except (OSError, ValueError):
            continue
        if manifest.get("kind") == "reply" and manifest.get("recipient") == hub_id:
            found.append(folder)
    return found


def publish_content(content_dir: Path, stick_root: Path) -> list[Path]:
    """Copy the finished content bundles in `content_dir` onto the stick (once each).

    Parts first, the manifest, then the signature (the commit marker), under a dot-name that
    hubs ignore, renamed when complete. Hubs verify them; central only carries them."""
    inbox = stick_root / INBOX
    inbox.mkdir(parents=True, exist_ok=True)
    present = {_manifest_id(folder) for folder in inbox.iterdir() if folder.is_dir()}
    copied = []
    for source in sorted(content_dir.iterdir()):
        if not (source / "manifest.sig").is_file() or source.is_symlink():
            continue
        manifest = _manifest(source)
        if manifest.get("kind") != "content" or manifest.get("bundle_id") in present:
            continue
        staging = inbox / f".new-{secrets.token_hex(4)}"
        staging.mkdir()
        try:
            names = [str(p["name"]) for p in manifest.get("parts", [])]
            extras = [n for n in ("trust.json", "trust.sig") if (source / n).is_file()]
            for name in [*names, *extras, "manifest.json", "manifest.sig"]:
                shutil.copyfile(source / name, staging / name)
                with (staging / name).open("rb+") as f:
                    os.fsync(f.fileno())
            fsync_dir(staging)
            final = inbox / source.name
            staging.rename(final)
            fsync_dir(inbox)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        copied.append(final)
    return copied


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        loaded = json.loads((folder / "manifest.json").read_bytes())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _manifest_id(folder: Path) -> object:
    return _manifest(folder).get("bundle_id")
