"""A short-lived cache of sign-in sessions."""

from __future__ import annotations

from collections.abc import Callable

from hubd.storage.people import Session


class SessionCache:
    """Recently seen sessions, so a classroom's stream of progress posts does not look up the
    same cookie in the database each time. Entries expire after `ttl` seconds; signing out or
    deactivating someone calls `forget` so it takes effect at once."""

    def __init__(self, clock: Callable[[], float], ttl: float = 30.0, size: int = 4096) -> None:
        self._clock = clock
        self._ttl = ttl
        self._size = size
        self._entries: dict[str, tuple[float, Session]] = {}

    def get(self, token: str) -> Session | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if self._clock() - entry[0] > self._ttl:
            del self._entries[token]
            return None
        return entry[1]

    def put(self, token: str, session: Session) -> None:
        if len(self._entries) >= self._size:
            self._entries.clear()  # cheap and rare: a cache miss only costs one lookup
        self._entries[token] = (self._clock(), session)

    def forget(self, subject_id: str) -> None:
        for token in [t for t, (_, s) in self._entries.items() if s.subject_id == subject_id]:
            del self._entries[token]
