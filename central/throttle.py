"""Slowing down wrong passwords on central's sign-in page.

A few wrong tries are free (people mistype); after that each further wrong try, from the same
address or for the same operator name, makes the next one wait twice as long, up to a bound.
While a wait runs, sign-in is refused before any password is checked, so guessing costs time
and never CPU. Kept in memory: a restart forgets it, which costs an attacker a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

FREE_TRIES = 5
FIRST_WAIT = 2.0
LONGEST_WAIT = 900.0
_MAX_KEYS = 10_000


@dataclass
class _Record:
    failures: int = 0
    until: float = 0.0


class SignInThrottle:
    """Wrong tries per key (an address, a name) and the wait they impose."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._records: dict[str, _Record] = {}

    def wait_seconds(self, keys: Iterable[str]) -> float:
        """How long these keys must still wait before a try is checked (0: go ahead)."""
        now = self._monotonic()
        return max((r.until - now for k in keys if (r := self._records.get(k))), default=0.0)

    def failed(self, keys: Iterable[str]) -> None:
        now = self._monotonic()
        if len(self._records) > _MAX_KEYS:  # a flood of addresses must not grow memory forever
            self._records = {k: r for k, r in self._records.items() if r.until > now}
        for key in keys:
            record = self._records.setdefault(key, _Record())
            record.failures += 1
            extra = record.failures - FREE_TRIES
            if extra > 0:
                record.until = now + min(FIRST_WAIT * 2 ** min(extra - 1, 20), LONGEST_WAIT)

    def succeeded(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._records.pop(key, None)
