"""The merge rules: version vectors, acknowledgements, last-writer-wins registers, pruning.

Every function here is pure and order-independent where it must be: applying the same entries
in any order, any number of times, gives the same state. The hub (SQLite) and central (SQLite
or PostgreSQL) both decide with these functions; their tests check that they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hubd.sync.model import Dot

Stream = tuple[str, int]  # (origin hub, epoch)
Vector = Mapping[Stream, int]


def contiguous_max(current: int, seqs: Iterable[int]) -> int:
    """The highest sequence held with no gap below it, given `current` and newly held seqs.

    An acknowledgement is this number, never the highest seen: a lost stick leaves a gap, and
    whatever lies above the gap must be sent again.
    """
    for seq in sorted(s for s in set(seqs) if s > current):
        if seq != current + 1:
            break
        current = seq
    return current


def advance_vector(vector: Vector, held: Mapping[Stream, Iterable[int]]) -> dict[Stream, int]:
    """A version vector moved forward by newly held sequences (per stream)."""
    result = dict(vector)
    for stream, seqs in held.items():
        result[stream] = contiguous_max(result.get(stream, 0), seqs)
    return {k: v for k, v in result.items() if v > 0}


def merge_acks(old: Vector, new: Vector) -> dict[Stream, int]:
    """Acknowledgements only ever move forward: a late or replayed reply changes nothing."""
    result = dict(old)
    for stream, seq in new.items():
        result[stream] = max(result.get(stream, 0), seq)
    return result


def is_acknowledged(dot: Dot, acks: Vector) -> bool:
    """Whether central has acknowledged this entry (so the hub may prune it)."""
    return dot.seq <= acks.get(dot.stream, 0)


RegisterStamp = tuple[int, str, bool, str]


def register_stamp(hlc: int, origin_hub: str, value_json: str | None) -> RegisterStamp:
    """The total order of register writes: later HLC wins, ties by hub id, then by value.

    The last tie (the same hub writing two values at one HLC) never happens on a correct hub,
    but the order must be total for every replica to pick the same winner whatever arrives
    first. A tombstone sorts below any value written at the same time by the same hub.
    """
    return (hlc, origin_hub, value_json is not None, value_json or "")


def register_wins(
    new: tuple[int, str, str | None], old: tuple[int, str, str | None] | None
) -> bool:
    """Whether the write `new` (hlc, origin hub, value) replaces `old` (or nothing)."""
    return old is None or register_stamp(*new) > register_stamp(*old)
