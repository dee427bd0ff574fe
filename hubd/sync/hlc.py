"""Hybrid logical clock.

Hubs have no real-time clock: after a power cut the wall clock can read 1970. An HLC time is
(wall milliseconds, counter) packed into one 64-bit integer; it never goes backwards, whatever
the wall clock does, and it moves past any time seen from another hub, so "happened after" is
kept across hubs without trusting any clock.
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTER_BITS = 16
COUNTER_MASK = (1 << COUNTER_BITS) - 1
MAX_WALL_MS = (1 << (63 - COUNTER_BITS)) - 1


def pack(wall_ms: int, counter: int) -> int:
    """Pack (wall ms, counter) into one sortable integer."""
    return (wall_ms << COUNTER_BITS) | counter


def unpack(hlc: int) -> tuple[int, int]:
    """Split an HLC integer into (wall ms, counter)."""
    return hlc >> COUNTER_BITS, hlc & COUNTER_MASK


@dataclass(slots=True)
class HybridClock:
    """A hybrid logical clock whose state is the last time it issued (or saw).

    `last` is persisted by the caller (the hub keeps it as a floor in its database) so that the
    clock keeps moving forward across restarts even when the wall clock jumps back.
    """

    last: int = 0

    def now(self, wall_ms: int) -> int:
        """A new time strictly after every time issued or seen so far."""
        wall_ms = min(max(wall_ms, 0), MAX_WALL_MS)
        last_wall, last_counter = unpack(self.last)
        if wall_ms > last_wall:
            self.last = pack(wall_ms, 0)
        elif last_counter < COUNTER_MASK:
            self.last = pack(last_wall, last_counter + 1)
        else:
            # The counter is exhausted within one millisecond: borrow the next millisecond.
            self.last = pack(last_wall + 1, 0)
        return self.last

    def observe(self, remote: int, wall_ms: int) -> int:
        """Move past a time received from elsewhere (a bundle, a signed time) and return now."""
        if remote > self.last:
            remote_wall, _ = unpack(remote)
            # A remote time far in the future (a hub whose clock read 2040) is still honoured:
            # order matters more than the wall-clock reading, and the clock must never go back.
            self.last = (
                min(remote, pack(MAX_WALL_MS, 0)) if remote_wall <= MAX_WALL_MS else self.last
            )
        return self.now(wall_ms)
