"""The hub's own identity row: id, epoch, sequence counter and clock floor."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from hubd.sync.hlc import HybridClock


@dataclass(frozen=True, slots=True)
class HubIdentity:
    hub_id: str
    epoch: int
    name: str


def ensure_identity(
    name: str, clock: HybridClock, wall_ms: int, *, hub_id: str | None = None
) -> Callable[[sqlite3.Connection], HubIdentity]:
    """A write function: make the hub's identity on first start, and load the clock floor.

    `hub_id` is the id of the hub's own key pair, so that central, other hubs and the
    database all name the hub the same way; without keys (tests) a random id is made."""

    def write(conn: sqlite3.Connection) -> HubIdentity:
        row = conn.execute("SELECT hub_id, epoch, name, hlc_floor FROM hub").fetchone()
        if row is None:
            new_id = hub_id or secrets.token_hex(16)
            now = clock.now(wall_ms)
            conn.execute(
                "INSERT INTO hub (singleton, hub_id, epoch, name, created_hlc, hlc_floor)"
                " VALUES (1, ?, 1, ?, ?, ?)",
                (new_id, name, now, now),
            )
            return HubIdentity(new_id, 1, name)
        # The clock resumes from the floor, whatever the wall clock says after a power cut.
        clock.last = max(clock.last, int(row["hlc_floor"]))
        if row["name"] != name:
            conn.execute("UPDATE hub SET name = ?", (name,))
        return HubIdentity(str(row["hub_id"]), int(row["epoch"]), name)

    return write
