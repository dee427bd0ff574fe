"""Applying a reply bundle from central: verified, decrypted, parsed, then one transaction."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from hubd.bundle import BundleError, ReadPolicy, read_bundle_folder
from hubd.content.from_bundle import BundleRefused
from hubd.fleet import save_trust
from hubd.storage.catalogue import BundleSequence
from hubd.storage.sync_import import apply_reply
from hubd.sync.messages import parse_reply
from hubd.sync.model import InvalidRecord
from hubd.sync_session.context import HubSync

_LOGGER = logging.getLogger(__name__)
WORK_FOLDER = "incoming"


@dataclass(frozen=True, slots=True)
class ReplyReport:
    """What a reply brought, for the stick's status file and the admin page."""

    bundle_id: str
    sequence: int
    events_added: int
    changes_added: int
    learners_arrived: int
    acknowledged: int  # the highest sequence of this hub's current epoch central holds

    def summary(self) -> str:
        """One line for a technician."""
        return (
            f"Brought in: {self.learners_arrived} learners from other hubs, "
            f"{self.events_added} progress records; the online database has this hub's "
            f"progress up to number {self.acknowledged}."
        )


async def apply_reply_bundle(hub: HubSync, bundle_folder: Path) -> ReplyReport:
    """Verify the ``reply`` bundle in ``bundle_folder`` and apply it whole, or refuse it.

    Applies, in one transaction with the bundle's sequence number: central's acks of this
    hub's log, the events and registers of learners who arrived from other hubs, and the
    signed time (the hub's clock floor moves forward, never back). Raises BundleRefused with a
    plain reason (replayed, older, not for this hub, damaged, not a reply) and NotInFleet when
    the hub cannot check bundles.
    """
    trust = hub.trust()
    work_root = hub.config.data_dir / WORK_FOLDER
    work_root.mkdir(exist_ok=True)
    copy = work_root / f"reply-{secrets.token_hex(6)}"
    policy = ReadPolicy(trust=trust, me=hub.keys.key_id, encryption_key=hub.keys.encryption)
    try:
        verified = await asyncio.to_thread(read_bundle_folder, bundle_folder, copy, policy)
        manifest = verified.manifest
        try:
            if manifest.kind != "reply":
                raise BundleRefused(
                    f"This is a {manifest.kind} bundle, not a reply; it was not applied here."
                )
            try:
                reply = await asyncio.to_thread(
                    lambda: parse_reply(verified.records(), hub.identity.hub_id)
                )
            except InvalidRecord as exc:
                _LOGGER.warning("Reply %s holds a bad record: %s", manifest.bundle_id, exc)
                raise BundleRefused(
                    "The reply from the online database is malformed; it was not applied."
                ) from None
            sequence = BundleSequence(manifest.issuer, "reply", manifest.sequence)
            outcome = await hub.store.write(apply_reply(reply, sequence, manifest.bundle_id))
            if verified.trust_changed:
                await asyncio.to_thread(save_trust, hub.config, verified.trust)
        finally:
            verified.discard()
    except BundleError as exc:
        _LOGGER.warning("Reply bundle %s refused: %s (%s)", bundle_folder, exc.reason, exc.code)
        raise BundleRefused(exc.reason, code=exc.code) from None
    finally:
        await asyncio.to_thread(shutil.rmtree, copy, True)
    # The in-memory clock follows the floor just stored: central's time and all times seen.
    newest = max([outcome.time_hlc, *(e.hlc for e in reply.entries)])
    hub.clock.observe(newest, hub.wall_ms())
    hub.wall_ms()  # the daemon's wall clock takes that time now and runs on from it
    acked = outcome.acked.get((hub.identity.hub_id, hub.identity.epoch), 0)
    report = ReplyReport(
        manifest.bundle_id,
        manifest.sequence,
        outcome.events_added,
        outcome.changes_added,
        outcome.learners_arrived,
        acked,
    )
    _LOGGER.info("Reply %d applied: %s", manifest.sequence, report.summary())
    return report
