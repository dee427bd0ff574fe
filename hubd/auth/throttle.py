"""Slowing down guessing: after a few wrong tries from one device, each next try must wait.

In memory and per client address: a restart forgets it, which is fine, because the lockout
that really stops a guesser (a learner's account after MAX_FAILED_SIGNINS) is in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

FREE_TRIES = 3
MAX_WAIT_SECONDS = 60.0
FORGET_AFTER_SECONDS = 15 * 60.0


@dataclass(slots=True)
class _Record:
    failures: int = 0
    last_failure: float = 0.0


@dataclass
class AttemptLimiter:
    """How long a client must wait before its next sign-in try."""

    clock: Callable[[], float]
    _records: dict[str, _Record] = field(default_factory=dict)

    def wait_seconds(self, client: str) -> float:
        """Seconds left before `client` may try again (0: now)."""
        record = self._records.get(client)
        if record is None:
            return 0.0
        now = self.clock()
        if now - record.last_failure > FORGET_AFTER_SECONDS:
            del self._records[client]
            return 0.0
        if record.failures < FREE_TRIES:
            return 0.0
        wait = min(2.0 ** (record.failures - FREE_TRIES + 1), MAX_WAIT_SECONDS)
        return max(0.0, record.last_failure + wait - now)

    def failed(self, client: str) -> None:
        record = self._records.setdefault(client, _Record())
        record.failures += 1
        record.last_failure = self.clock()
        if len(self._records) > 10_000:  # a flood of addresses must not grow memory forever
            oldest = sorted(self._records.items(), key=lambda item: item[1].last_failure)
            for key, _ in oldest[:5_000]:
                del self._records[key]

    def succeeded(self, client: str) -> None:
        self._records.pop(client, None)
