"""Sequence numbers: refuse replayed, older and implausibly new bundles, never by wall clock.

Each issuer numbers its bundles of each kind 1, 2, 3, ... The receiver remembers the last one it
applied per (issuer, kind) *in the same database transaction that applies the bundle*, so a power
cut can never record a bundle as applied without its data or the other way round. That is why
this module only decides; the caller stores. :class:`SequenceStore` is the small interface a
caller's transaction offers, and :class:`MemorySequenceStore` is one for tests and tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hubd.bundle import errors
from hubd.bundle.limits import DEFAULT_LIMITS


@dataclass(frozen=True)
class SequenceKey:
    issuer: str
    kind: str


def check_sequence(
    last: int | None, incoming: int, max_jump: int = DEFAULT_LIMITS.max_sequence_jump
) -> None:
    """Raise :class:`BundleError` unless ``incoming`` may follow ``last`` (None: nothing yet).

    Gaps are allowed (a stick can be lost), but a jump of more than ``max_jump`` is refused:
    a validly signed bundle with a huge number would otherwise lock out every later one.
    """
    if last is None:
        if incoming > max_jump:
            raise _jump(incoming, 0)
        return
    if incoming == last:
        raise errors.refuse(
            errors.REPLAY,
            f"This bundle (number {incoming}) was already applied here; it was not applied again.",
        )
    if incoming < last:
        raise errors.refuse(
            errors.ROLLBACK,
            f"This bundle (number {incoming}) is older than one already applied here "
            f"(number {last}); it was not applied.",
        )
    if incoming - last > max_jump:
        raise _jump(incoming, last)


def _jump(incoming: int, last: int) -> errors.BundleError:
    return errors.refuse(
        errors.SEQUENCE_JUMP,
        f"This bundle's number ({incoming}) is implausibly far ahead of the last one applied "
        f"here ({last}); it was not applied.",
    )


class SequenceStore(Protocol):
    """Where the caller keeps the last applied sequence per (issuer, kind), transactionally."""

    def last_sequence(self, issuer: str, kind: str) -> int | None:
        """The last applied sequence number, or None if none was ever applied."""
        ...

    def record_sequence(self, issuer: str, kind: str, sequence: int) -> None:
        """Remember ``sequence`` as applied (inside the transaction that applies the bundle)."""
        ...


def accept_sequence(
    store: SequenceStore,
    issuer: str,
    kind: str,
    sequence: int,
    max_jump: int = DEFAULT_LIMITS.max_sequence_jump,
) -> None:
    """Check ``sequence`` against ``store`` and record it; raises if it must be refused."""
    check_sequence(store.last_sequence(issuer, kind), sequence, max_jump)
    store.record_sequence(issuer, kind, sequence)


class MemorySequenceStore:
    """A :class:`SequenceStore` in a dict (tests, command-line tools)."""

    def __init__(self) -> None:
        self.last: dict[SequenceKey, int] = {}

    def last_sequence(self, issuer: str, kind: str) -> int | None:
        return self.last.get(SequenceKey(issuer, kind))

    def record_sequence(self, issuer: str, kind: str, sequence: int) -> None:
        self.last[SequenceKey(issuer, kind)] = sequence
