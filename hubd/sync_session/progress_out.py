"""Writing the progress bundle: this hub's log since central's last ack, oldest first."""

from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import Path

from hubd import __version__
from hubd.bundle import CENTRAL, BundleWriter, Manifest
from hubd.bundle.keys import x25519_from_hex
from hubd.storage.sync_export import (
    current_epoch,
    log_state,
    log_sync,
    read_snapshot,
    reserve_bundle_number,
    unacknowledged,
)
from hubd.sync.messages import ProgressHeader
from hubd.sync.model import encode_record, entry_record
from hubd.sync.plan import Budget, ExportProgress, take_prefix
from hubd.sync_session.context import HubSync, NotInFleet

_LOGGER = logging.getLogger(__name__)


async def write_progress_bundle(
    hub: HubSync, target_folder: Path, budget_bytes: int
) -> Manifest | None:
    """Write a signed ``progress`` bundle, encrypted to central, into ``target_folder``.

    ``target_folder`` must not exist; it is created and holds the whole bundle when this
    returns (parts fsynced, signature last). The bundle carries this hub's events and register
    changes above central's last acknowledgement, oldest first, as many as fit in
    ``budget_bytes`` (the room on the stick); what does not fit goes next time. A bundle is
    written even when nothing is new, so central learns which reply the hub applied. Returns
    the manifest, or None when the budget cannot hold even an empty bundle. Raises NotInFleet
    when the hub cannot sync (no fleet, or no central key in its trust).
    """
    trust = hub.trust()
    if not trust.central_encryption_key:
        raise NotInFleet(
            "This hub does not know the online database's key yet; bring it a content or "
            "reply bundle that carries the programme's trust first."
        )
    budget = Budget(budget_bytes)
    if budget.limit <= 0:
        return None
    async with hub.store.reader() as db:
        epoch = await current_epoch(db)
    sequence = await hub.store.write(reserve_bundle_number("progress", epoch))
    header_hlc = hub.clock.now(hub.wall_ms())

    def write() -> tuple[Manifest, int]:
        with read_snapshot(hub.store.path) as conn:
            state = log_state(conn)
            header = ProgressHeader(
                state.hub_id,
                state.epoch,
                header_hlc,
                state.reply_applied,
                state.last_seq,
                __version__,
            )
            writer = BundleWriter(
                target_folder,
                kind="progress",
                fleet=trust.fleet,
                recipient=CENTRAL,
                sequence=sequence,
                encrypt_to=x25519_from_hex(trust.central_encryption_key),
            )
            progress = ExportProgress()
            numbered = (
                (entry.dot.seq, encode_record(entry_record(entry)))
                for entry in unacknowledged(conn, state)
            )
            header_line = encode_record(header.record())
            budget.fits(header_line)
            lines = take_prefix(budget, numbered, progress)
            writer.add_records(itertools.chain([header_line], lines))
            return writer.commit([hub.keys.signing]), budget.taken - 1

    manifest, entries = await asyncio.to_thread(write)
    more = " (more to come)" if budget.truncated else ""
    await hub.store.write(
        log_sync(
            header_hlc, "out", "progress", manifest.bundle_id, "written", f"{entries} entries{more}"
        )
    )
    _LOGGER.info("Progress bundle %d written: %d entries%s", manifest.sequence, entries, more)
    return manifest
