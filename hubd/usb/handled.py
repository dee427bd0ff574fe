"""Which stick bundles a session may skip: the hub's record of what it applied or refused for good.

Only permanent refusals are recorded: the reason must hold for these exact signed bytes on any
stick, whatever the stick's condition. A stick that stopped answering, returned short or
damaged bytes, or a hub that does not yet trust the signer (a key delegation may arrive later),
or a sequence gap (the missing bundle may come later) are never recorded, so the next insertion
tries again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Protocol

from hubd.storage.stick_bundles import (
    APPLIED,
    REFUSED,
    HandledBundle,
    already_handled,
    record_handled,
)
from hubd.storage.store import Store

_LOGGER = logging.getLogger(__name__)

#: Refusal codes that depend only on the signed bytes (see hubd.bundle.errors and the appliers).
PERMANENT_REFUSALS = frozenset(
    {
        "signature_invalid",
        "signature_file_invalid",
        "manifest_invalid",
        "manifest_too_large",
        "wrong_fleet",
        "wrong_recipient",
        "unsupported_kind",
        "part_too_large",
        "decrypt_failed",
        "key_unwrap_failed",
        "decompress_failed",
        "frame_truncated",
        "frame_refused",
        "size_mismatch",
        "trailing_data",
        "record_invalid",
        "content_invalid",
        "replay",
        "rollback",
        "course_installed",
        "course_package",
    }
)


def is_permanent(code: str) -> bool:
    """Whether a refusal with this code would recur for the same bytes on any stick."""
    return code in PERMANENT_REFUSALS


class HandledBundles(Protocol):
    """The record a session consults before reading a bundle and updates after."""

    async def skip(self, bundle_id: str, fingerprint: str) -> bool:
        """True when the bundle was applied, or these bytes were refused for good."""
        ...

    async def applied(self, bundle_id: str, fingerprint: str, kind: str) -> None:
        """Remember an applied bundle."""
        ...

    async def refused(self, bundle_id: str, fingerprint: str, kind: str, code: str) -> bool:
        """Remember a refusal if its reason is permanent; whether it was recorded."""
        ...


class StoreHandledBundles:
    """The record in the hub's database (table ``stick_bundles``)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def skip(self, bundle_id: str, fingerprint: str) -> bool:
        async with self._store.quick_reader() as db:
            return await already_handled(db, bundle_id, fingerprint) is not None

    async def applied(self, bundle_id: str, fingerprint: str, kind: str) -> None:
        await self._store.write(
            record_handled(HandledBundle(fingerprint, bundle_id, kind, APPLIED, ""))
        )

    async def refused(self, bundle_id: str, fingerprint: str, kind: str, code: str) -> bool:
        if not is_permanent(code):
            _LOGGER.info("Bundle %s refused for now (%s); it will be tried again", bundle_id, code)
            return False
        await self._store.write(
            record_handled(HandledBundle(fingerprint, bundle_id, kind, REFUSED, code))
        )
        return True


async def import_old_record(store: Store, path: Path) -> int:
    """Carry the applied bundles of the old JSON record (``usb-handled.json``) into the
    database, then delete the file. Its refusals are dropped: some were temporary errors."""
    try:
        loaded = json.loads(await asyncio.to_thread(path.read_text))
    except FileNotFoundError:
        return 0
    except (OSError, ValueError) as exc:
        _LOGGER.warning("Old stick record %s unreadable (%s); dropped", path, exc)
        loaded = {}
    applied = [
        str(bundle_id)
        for bundle_id, outcome in (loaded.items() if isinstance(loaded, dict) else [])
        if outcome == APPLIED
    ]
    for bundle_id in applied:
        await store.write(
            record_handled(HandledBundle(f"old:{bundle_id}", bundle_id, "", APPLIED, ""))
        )
    await asyncio.to_thread(path.unlink, missing_ok=True)
    _LOGGER.info("Carried %d applied bundles from %s into the database", len(applied), path)
    return len(applied)
