"""The stick's layout and the small decisions of a session, as pure functions.

::

    learnhub/                  the one folder the hub uses (the stick may hold anything else)
      fleet.txt                the programme (fleet) this stick serves; another fleet's hub
                               leaves the stick alone
      readme.txt               what this folder is, for whoever finds the stick
      status.txt               what happened at each hub on the route, newest last
      in/<bundle>/             bundles for hubs (content, replies): for all hubs or for one
      out/h-<hub id>/<bundle>/ each hub's outbox: only that hub writes in it

Names are short, lower case, without ``:`` (FAT and exFAT keep them faithfully). A bundle
folder is complete only with its ``manifest.sig``; names ending ``.tmp`` or starting with ``.``
are unfinished writes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

STICK_FOLDER = "learnhub"
INBOX = f"{STICK_FOLDER}/in"
OUTBOXES = f"{STICK_FOLDER}/out"
FLEET_FILE = f"{STICK_FOLDER}/fleet.txt"
README_FILE = f"{STICK_FOLDER}/readme.txt"
STATUS_FILE = f"{STICK_FOLDER}/status.txt"
STATUS_NEW = f"{STICK_FOLDER}/status.new"
MAX_SMALL_FILE = 64 * 1024
MAX_STATUS_LINES = 400

_BUNDLE_FOLDER = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
_FLEET = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")

README = """This folder belongs to the Learning Hub sync stick.
Plug the stick into each hub on your route, wait for "safe to remove", then pull it out.
Do not delete or rename anything in this folder. status.txt says what happened at each hub.
"""


def outbox(hub_id: str) -> str:
    """This hub's outbox folder on the stick (64 bits of its key id: short and unique)."""
    return f"{OUTBOXES}/h-{hub_id[:16]}"


def is_bundle_folder_name(name: str) -> bool:
    """Names a committed bundle folder may have (temporary names never qualify)."""
    return not name.endswith(".tmp") and bool(_BUNDLE_FOLDER.fullmatch(name))


@dataclass(frozen=True, slots=True)
class Peek:
    """The unverified header fields of a bundle folder: only to skip or order, never to trust."""

    folder: str
    kind: str
    issuer: str
    recipient: str
    fleet: str
    sequence: int
    bundle_id: str
    size: int
    fingerprint: str = ""  # sha256 over the manifest and signature bytes ("" when not read)


def peek_manifest(folder: str, data: bytes, signature: bytes | None = None) -> Peek | None:
    """Read the few fields a session needs to decide whether to look closer; None if garbled.

    With the signature's bytes, the peek also carries the bundle's fingerprint."""
    try:
        doc = json.loads(data)
        parts = doc["parts"]
        return Peek(
            folder=folder,
            kind=str(doc["kind"]),
            issuer=str(doc["issuer"]),
            recipient=str(doc["recipient"]),
            fleet=str(doc["fleet"]),
            sequence=int(doc["sequence"]),
            bundle_id=str(doc["id"]),
            size=sum(int(p["size"]) for p in parts),
            fingerprint="" if signature is None else fingerprint(data, signature),
        )
    except (ValueError, KeyError, TypeError):
        return None


def fingerprint(manifest: bytes, signature: bytes) -> str:
    """What names a bundle's exact signed bytes (its manifest lists every part's hash)."""
    sha = hashlib.sha256()
    for data in (manifest, signature):
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)
    return sha.hexdigest()


def for_this_hub(peek: Peek, hub_id: str) -> bool:
    """Bundles addressed to every hub or to this one."""
    return peek.recipient in ("*", hub_id)


def apply_order(peeks: Iterable[Peek]) -> list[Peek]:
    """Trust-bearing and earlier bundles first: content before replies, lower sequences first."""
    rank = {"content": 0, "reply": 1}
    return sorted(peeks, key=lambda p: (rank.get(p.kind, 9), p.issuer, p.sequence, p.folder))


def replaced_by(
    new_kind: str, new_folder: str, existing: Iterable[tuple[str, Peek | None]]
) -> list[str]:
    """Folders of this hub's outbox to delete once the new bundle is verified on the stick:
    older bundles of the same kind, and leftovers of unfinished writes."""
    doomed = []
    for folder, peek in existing:
        if folder == new_folder:
            continue
        if peek is None or peek.kind == new_kind:
            doomed.append(folder)
    return doomed


def fleet_problem(marker: bytes | None, fleet: str) -> str | None:
    """A plain reason to leave the stick alone, or None when it is this fleet's (or new)."""
    if marker is None:
        return None
    text = marker.decode("utf-8", "replace").strip().lower()
    if not _FLEET.fullmatch(text):
        return None  # unreadable marker: it only ever refuses, so ignore it and rewrite it
    if text != fleet:
        return (
            f"This stick belongs to another programme ({text}); "
            "nothing was read or written at this hub."
        )
    return None


def status_lines(previous: bytes | None, entry: list[str]) -> bytes:
    """The status file with this visit's lines appended, the oldest dropped past the cap."""
    header = [
        "Learning Hub sync stick: what happened at each hub (newest last).",
        "",
    ]
    old = [] if previous is None else previous.decode("utf-8", "replace").splitlines()
    if old[: len(header)] == header:
        old = old[len(header) :]
    lines = [*old, *entry]
    if len(lines) > MAX_STATUS_LINES:
        lines = lines[-MAX_STATUS_LINES:]
    return ("\n".join([*header, *lines]) + "\n").encode("utf-8")
