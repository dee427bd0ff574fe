"""A new epoch after a restore from backup, and pruning what central acknowledged.

Sequence numbers are never reused for different events: a hub restored from a backup does not
know which numbers it issued after the backup was taken, so it starts a new epoch and numbers
from 1 again. The epoch jumps by a random amount so that restoring the same backup twice
still gives two different epochs.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable

from hubd.storage.sync_export import CENTRAL

EPOCH_JUMP = 1 << 20


def begin_new_epoch(jump: int | None = None) -> Callable[[sqlite3.Connection], int]:
    """A write function: start a new epoch (after a restore); returns its number."""

    def write(conn: sqlite3.Connection) -> int:
        step = jump if jump is not None else 1 + secrets.randbelow(EPOCH_JUMP)
        row = conn.execute(
            "UPDATE hub SET epoch = epoch + ?, last_seq = 0 RETURNING epoch", (step,)
        ).fetchone()
        return int(row[0])

    return write


def prune_acknowledged(hub_id: str, older_than_hlc: int) -> Callable[[sqlite3.Connection], int]:
    """A write function: delete this hub's own entries that central acknowledged and that are
    older than `older_than_hlc`; derived progress stays. Returns how many were deleted.

    Never called on its own: teachers' reports read the events, so pruning is an operator's
    decision (an SD card filling up), and it can only ever touch what central holds.
    """

    def write(conn: sqlite3.Connection) -> int:
        gone = 0
        acks = conn.execute(
            "SELECT epoch, acked_seq FROM sync_acks WHERE peer = ? AND origin_hub = ?",
            (CENTRAL, hub_id),
        ).fetchall()
        for epoch, acked in acks:
            upto = 0
            for table in ("progress_events", "register_changes"):
                row = conn.execute(
                    f"SELECT max(seq) FROM {table} WHERE origin_hub = ? AND epoch = ?"  # noqa: S608
                    " AND seq <= ? AND hlc < ?",
                    (hub_id, epoch, acked, older_than_hlc),
                ).fetchone()
                upto = max(upto, int(row[0] or 0))
            if upto == 0:
                continue
            for table in ("progress_events", "register_changes"):
                gone += conn.execute(
                    f"DELETE FROM {table} WHERE origin_hub = ? AND epoch = ? AND seq <= ?",  # noqa: S608
                    (hub_id, epoch, upto),
                ).rowcount
            conn.execute(
                "INSERT INTO sync_pruned (origin_hub, epoch, pruned_upto) VALUES (?, ?, ?)"
                " ON CONFLICT DO UPDATE SET pruned_upto = max(pruned_upto, excluded.pruned_upto)",
                (hub_id, epoch, upto),
            )
        return gone

    return write
