"""The bundles this hub has dealt with on sticks: applied, or refused for a permanent reason.

Only a saving: a session skips what is recorded here instead of copying it again. The real
guard against replays stays the per-issuer sequence number, kept in the transaction that
applies a bundle.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from hubd.storage.reads import ReadConnection, fetch_one

APPLIED = "applied"
REFUSED = "refused"
#: Rows kept; the oldest go first (a stick carries a handful of bundles per visit).
KEEP = 5000


@dataclass(frozen=True, slots=True)
class HandledBundle:
    """One bundle a session dealt with for good."""

    fingerprint: str
    bundle_id: str
    kind: str
    outcome: str  # APPLIED or REFUSED
    code: str  # why it was refused ("" when applied)


async def already_handled(db: ReadConnection, bundle_id: str, fingerprint: str) -> str | None:
    """APPLIED or REFUSED when a session need not read this bundle again, else None."""
    row = await fetch_one(
        db,
        "SELECT outcome FROM stick_bundles WHERE fingerprint = ?"
        " UNION ALL SELECT outcome FROM stick_bundles WHERE bundle_id = ? AND outcome = 'applied'"
        " LIMIT 1",
        (fingerprint, bundle_id),
    )
    return None if row is None else str(row[0])


def record_handled(bundle: HandledBundle) -> Callable[[sqlite3.Connection], None]:
    """A write function: remember one bundle (the latest outcome for a fingerprint wins)."""
    if bundle.outcome not in (APPLIED, REFUSED):
        raise ValueError(f"unknown outcome {bundle.outcome!r}")

    def write(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM stick_bundles WHERE fingerprint = ?", (bundle.fingerprint,))
        conn.execute(
            "INSERT INTO stick_bundles (fingerprint, bundle_id, kind, outcome, code)"
            " VALUES (?, ?, ?, ?, ?)",
            (bundle.fingerprint, bundle.bundle_id, bundle.kind, bundle.outcome, bundle.code),
        )
        conn.execute(
            "DELETE FROM stick_bundles WHERE seq <= (SELECT max(seq) FROM stick_bundles) - ?",
            (KEEP,),
        )

    return write
