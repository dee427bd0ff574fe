"""Planning what travels: export within a byte budget, and where a learner's record goes.

Export (hub to central, and central's replies) is a prefix: entries go oldest first and the
plan stops at the first one that does not fit, so the receiver never gets a gap that it would
have to remember. Routing decides which hubs receive a learner's record: every hub that wrote
something about the learner, and the hub the learner's `home_hub` register names (a learner
who moved). Once a hub receives a learner, it keeps receiving that learner's new entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from hubd.sync.model import Entry, RegisterChange, learner_of

#: Room kept for the manifest, signature, frame and encryption overheads of a bundle.
BUNDLE_OVERHEAD_BYTES = 64 * 1024


@dataclass(slots=True)
class Budget:
    """A byte budget for the records of one bundle (counted uncompressed, so conservative).

    zstd never makes JSON lines larger than a few bytes per frame, and the fixed overhead and
    1% margin cover frame headers and AEAD tags, so what fits here fits on the stick.
    """

    budget_bytes: int
    overhead: int = BUNDLE_OVERHEAD_BYTES
    used: int = 0
    taken: int = 0
    truncated: bool = False

    @property
    def limit(self) -> int:
        return max(0, self.budget_bytes - self.overhead - self.budget_bytes // 100)

    def fits(self, line: bytes) -> bool:
        """Reserve room for one line (and its newline) if it fits; stop for good if not."""
        if self.truncated or self.used + len(line) + 1 > self.limit:
            self.truncated = True
            return False
        self.used += len(line) + 1
        self.taken += 1
        return True


@dataclass(slots=True)
class ExportProgress:
    """What an export took: the last position of each stream (for the caller's log)."""

    last: dict[tuple[str, int], int] = field(default_factory=dict)
    last_position: int = 0


def take_prefix(
    budget: Budget, lines: Iterable[tuple[int, bytes]], progress: ExportProgress
) -> Iterator[bytes]:
    """Yield (position, line) lines in order while they fit; stop at the first that does not.

    `position` is the order key (a hub's seq, central's cseq); the last one taken is kept in
    `progress` so the caller knows exactly where this bundle ends.
    """
    for position, line in lines:
        if not budget.fits(line):
            return
        progress.last_position = position
        yield line


def route_targets(entry: Entry) -> set[str]:
    """The hubs that must receive the record of the learner this entry is about."""
    if learner_of(entry) is None:
        return set()
    targets = {entry.dot.origin_hub}
    if isinstance(entry, RegisterChange) and entry.key.endswith("/home_hub"):
        home = home_hub_value(entry.value_json)
        if home is not None:
            targets.add(home)
    return targets


def merge_target(entry: Entry) -> str | None:
    """The learner a `learner/<id>/merged_into` change points at, if it is one: the hubs that
    receive either record must then receive both, so that each shows one progress."""
    if not isinstance(entry, RegisterChange) or not entry.key.endswith("/merged_into"):
        return None
    if entry.value_json is None:
        return None
    try:
        value = json.loads(entry.value_json)
    except ValueError:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        return None
    return value if all(c.isalnum() or c == "-" for c in value) else None


def home_hub_value(value_json: str | None) -> str | None:
    """The hub id a `learner/<id>/home_hub` register names, if it is a hub id."""
    if value_json is None:
        return None
    try:
        value = json.loads(value_json)
    except ValueError:
        return None
    return value if isinstance(value, str) and value.isalnum() and len(value) <= 64 else None


def forwardable(entry: Entry, hub_id: str, hub_epoch: int) -> bool:
    """Whether central may send this entry back to `hub_id`: anything but the hub's current
    log (which it holds). Its older epochs go back too, so a hub restored from a backup gets
    back what the backup lacked."""
    return not (entry.dot.origin_hub == hub_id and entry.dot.epoch == hub_epoch)
