"""Ingesting a folder (a plugged stick, an upload): verify, decrypt, merge; report each bundle.

Every bundle is verified and copied to central's own disk before it is read; each is applied
in one transaction or not at all, and one bad bundle never stops the others.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from central import hubs
from central.config import CentralKeys
from central.db import Database, Tx
from central.merge import merge_progress
from hubd.bundle import (
    CENTRAL,
    BundleError,
    IncompleteBundle,
    ReadPolicy,
    VerifiedBundle,
    read_bundle_folder,
    read_enrolment,
)
from hubd.sync.model import InvalidRecord

_LOGGER = logging.getLogger(__name__)
_MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one bundle folder, in words for the operator."""

    folder: Path
    kind: str
    issuer: str
    applied: bool
    message: str


def bundle_folders(root: Path) -> Iterator[Path]:
    """Folders under `root` (a stick's root, its outboxes, an upload folder) that hold a
    finished bundle; never follows symbolic links."""
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            children = sorted(folder.iterdir())
        except OSError:
            continue
        if any(c.name == "manifest.sig" for c in children):
            if _for_central(folder):
                yield folder
            continue
        if depth < _MAX_DEPTH:
            stack.extend(
                (c, depth + 1) for c in reversed(children) if c.is_dir() and not c.is_symlink()
            )


def _for_central(folder: Path) -> bool:
    """Skip bundles for hubs (replies, content on the same stick): an unverified peek, used
    only to leave them alone; everything else is verified before use."""
    try:
        with (folder / "manifest.json").open("rb") as f:
            manifest = json.loads(f.read(64 * 1024))
    except (OSError, ValueError):
        return True  # let verification say what is wrong with it
    return not isinstance(manifest, dict) or manifest.get("recipient") == CENTRAL


def ingest_folder(
    db: Database, keys: CentralKeys, root: Path, work_dir: Path, wall_ms: Callable[[], int]
) -> list[Outcome]:
    """Ingest every bundle under `root`; enrolment requests first, then progress."""
    work_dir.mkdir(parents=True, exist_ok=True)
    return [ingest_bundle(db, keys, folder, work_dir, wall_ms) for folder in bundle_folders(root)]


def ingest_bundle(
    db: Database, keys: CentralKeys, folder: Path, work_dir: Path, wall_ms: Callable[[], int]
) -> Outcome:
    """Verify one bundle folder and apply it (progress, enrolment) or say why not."""
    policy = ReadPolicy(
        trust=keys.trust,
        me=CENTRAL,
        encryption_key=keys.encryption,
        enrolled_hubs=hubs.approved_hubs(db),
        accept_enrol=True,
    )
    copy = work_dir / f"in-{secrets.token_hex(6)}"
    try:
        with read_bundle_folder(folder, copy, policy, check_payload=False) as verified:
            return apply_verified(db, verified, folder, wall_ms)
    except IncompleteBundle as exc:
        return Outcome(folder, "?", "?", False, exc.reason)
    except BundleError as exc:
        _LOGGER.warning("Bundle %s refused: %s (%s)", folder, exc.reason, exc.code)
        return Outcome(folder, "?", "?", False, exc.reason)


def apply_verified(
    db: Database, verified: VerifiedBundle, source: Path, wall_ms: Callable[[], int]
) -> Outcome:
    """Apply a verified bundle (from a folder or an HTTP upload) in one transaction."""
    manifest = verified.manifest
    kind, issuer = manifest.kind, manifest.issuer

    def done(applied: bool, message: str, tx: Tx | None = None) -> Outcome:
        if tx is not None:
            _log(
                tx,
                manifest.bundle_id,
                kind,
                issuer,
                "applied" if applied else "refused",
                message,
                wall_ms(),
            )
        return Outcome(source, kind, issuer, applied, message)

    try:
        if kind == "enrol":
            request = read_enrolment(verified)
            with db.transaction() as tx:
                new = hubs.record_request(tx, request, wall_ms())
                message = (
                    f"Hub {request.hub_name or request.key_id} asks to join; approve it with "
                    f"'central enrol approve {request.key_id}'."
                    if new
                    else f"Hub {request.hub_name or request.key_id} had already asked to join."
                )
                return done(True, message, tx)
        if kind == "progress":
            with db.transaction() as tx:
                report = merge_progress(
                    tx, issuer, manifest.sequence, verified.records(), wall_ms()
                )
                return done(
                    True,
                    f"Progress from hub {issuer}: {report.entries_new} new entries, "
                    f"{report.entries_known} already known.",
                    tx,
                )
    except InvalidRecord as exc:
        _LOGGER.warning("Bundle %s holds a bad record: %s", manifest.bundle_id, exc)
        with db.transaction() as tx:
            return done(
                False, f"The bundle from {issuer} is malformed ({exc}); nothing was applied.", tx
            )
    except BundleError as exc:
        with db.transaction() as tx:
            return done(False, exc.reason, tx)
    return done(False, f"Central does not take {kind} bundles; it was left alone.")


def _log(
    tx: Tx, bundle_id: str, kind: str, issuer: str, outcome: str, detail: str, at_ms: int
) -> None:
    tx.execute(
        "INSERT INTO ingest_log (at_ms, bundle_id, kind, issuer, outcome, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (at_ms, bundle_id, kind, issuer, outcome, detail),
    )
