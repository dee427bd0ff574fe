"""Central's hybrid logical clock, kept in its database (the time replies carry, signed)."""

from __future__ import annotations

from central.db import Tx
from hubd.sync.hlc import HybridClock


def observe(tx: Tx, remote_hlc: int, wall_ms: int) -> None:
    """Move central's clock past a time seen in a hub's bundle."""
    clock = HybridClock(int(_last(tx)))
    clock.observe(remote_hlc, wall_ms)
    tx.execute("UPDATE central_clock SET hlc = ? WHERE singleton = 1", (clock.last,))


def now(tx: Tx, wall_ms: int) -> int:
    """A new time after everything central has issued or seen (the reply's signed time)."""
    clock = HybridClock(int(_last(tx)))
    value = clock.now(wall_ms)
    tx.execute("UPDATE central_clock SET hlc = ? WHERE singleton = 1", (value,))
    return value


def _last(tx: Tx) -> int:
    row = tx.one("SELECT hlc FROM central_clock WHERE singleton = 1")
    return 0 if row is None else int(row[0])
