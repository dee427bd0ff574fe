"""Writing a reply bundle for one hub: signed time, acks, and learners who arrived.

Planning is in two short transactions around the bundle write: the first reserves the reply's
number and fixes what it may carry (entries up to the newest cseq, routes up to the newest
route); the second remembers what it carried, so that when the hub reports it applied this
reply, central knows what the hub holds. A reply that is never applied costs nothing.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central import clock
from central.db import Database
from hubd.bundle import BundleWriter, Manifest, TrustDocument
from hubd.bundle.keys import x25519_from_hex
from hubd.sync.messages import ack_record, time_record
from hubd.sync.model import Dot, encode_record
from hubd.sync.plan import Budget, ExportProgress, take_prefix

_LOGGER = logging.getLogger(__name__)


class HubNotApproved(Exception):
    """Replies go only to approved hubs."""


@dataclass(frozen=True, slots=True)
class ReplyWritten:
    manifest: Manifest
    hub_id: str
    entries: int
    complete: bool


@dataclass(frozen=True, slots=True)
class ReplyKeys:
    """What signs a reply: the reply key (a role in the fleet's trust), and the trust files
    carried along so a hub that lacks the delegation can check the signature."""

    signing: Ed25519PrivateKey
    trust: TrustDocument
    trust_files: tuple[bytes, bytes] | None


def write_reply(
    db: Database,
    keys: ReplyKeys,
    hub_id: str,
    folder: Path,
    budget_bytes: int,
    wall_ms: Callable[[], int],
) -> ReplyWritten:
    """Write the next reply for `hub_id` into `folder` (which must not exist)."""
    with db.transaction() as tx:
        row = tx.one(
            "UPDATE hubs SET reply_seq = reply_seq + 1 WHERE hub_id = ? AND status = 'approved'"
            " RETURNING reply_seq, encryption_key, epoch",
            (hub_id,),
        )
        if row is None:
            raise HubNotApproved(f"Hub {hub_id} is not approved; no reply was written.")
        sequence, encryption_key, epoch = int(row[0]), str(row[1]), int(row[2])
        time_hlc = clock.now(tx, wall_ms())
        upto = int((tx.one("SELECT coalesce(max(cseq), 0) FROM entries") or (0,))[0])
        routes_before = int((tx.one("SELECT coalesce(max(route_id), 0) FROM routes") or (0,))[0])
        acks = [
            ack_record(Dot(hub_id, int(r[0]), int(r[1])))
            for r in tx.execute(
                "SELECT epoch, max_seq FROM vectors WHERE origin_hub = ? AND max_seq > 0"
                " ORDER BY epoch",
                (hub_id,),
            )
        ]
    writer = BundleWriter(
        folder,
        kind="reply",
        fleet=keys.trust.fleet,
        recipient=hub_id,
        sequence=sequence,
        encrypt_to=x25519_from_hex(encryption_key),
    )
    if keys.trust_files is not None:
        writer.include_trust(*keys.trust_files)
    budget = Budget(budget_bytes)
    progress = ExportProgress()
    head = [encode_record(time_record(time_hlc)), *(encode_record(a) for a in acks)]
    for line in head:
        budget.fits(line)
    with db.transaction() as tx:
        # Entries of the learners routed to this hub that it does not hold, in arrival order;
        # never its own current log (it has that), but its older epochs (a restored hub).
        rows = tx.stream(
            "SELECT e.cseq, e.record FROM entries e JOIN routes r ON r.learner_id = e.learner_id"
            " WHERE r.hub_id = ? AND r.route_id <= ? AND e.cseq > r.acked_cseq AND e.cseq <= ?"
            " AND e.kind <> 'duplicate' AND NOT (e.origin_hub = ? AND e.epoch = ?)"
            " ORDER BY e.cseq",
            (hub_id, routes_before, upto, hub_id, epoch),
        )
        lines: Iterator[bytes] = take_prefix(
            budget, ((int(c), str(r).encode("utf-8")) for c, r in rows), progress
        )
        writer.add_records(itertools.chain(head, lines))
    manifest = writer.commit([keys.signing])
    carried = progress.last_position if budget.truncated else upto
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO replies (hub_id, sequence, upto_cseq, routes_before, bundle_id,"
            " created_ms) VALUES (?, ?, ?, ?, ?, ?)",
            (hub_id, sequence, carried, routes_before, manifest.bundle_id, wall_ms()),
        )
    entries = budget.taken - len(head)
    _LOGGER.info("Reply %d for hub %s: %d entries", sequence, hub_id, entries)
    return ReplyWritten(manifest, hub_id, entries, not budget.truncated)
