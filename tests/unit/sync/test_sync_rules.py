"""The merge rules one by one: acks, registers, derived progress, budgets, routing."""

from __future__ import annotations

import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from hubd.sync.derive import derive
from hubd.sync.model import Dot, Event, RegisterChange
from hubd.sync.plan import Budget, ExportProgress, forwardable, route_targets, take_prefix
from hubd.sync.rules import (
    advance_vector,
    contiguous_max,
    is_acknowledged,
    merge_acks,
    register_wins,
)

A, B = "aa" * 16, "bb" * 16


def test_ack_is_highest_without_gap_not_highest_seen() -> None:
    assert contiguous_max(0, [1, 2, 4, 5]) == 2
    assert contiguous_max(2, [4, 3]) == 4
    assert contiguous_max(5, [1, 2]) == 5


def test_vector_moves_per_origin_and_epoch() -> None:
    vector = advance_vector({(A, 1): 3}, {(A, 1): [4, 6], (A, 2): [1], (B, 1): [2]})
    assert vector == {(A, 1): 4, (A, 2): 1}


def test_a_late_reply_never_moves_acks_back() -> None:
    assert merge_acks({(A, 1): 9}, {(A, 1): 4, (A, 2): 1}) == {(A, 1): 9, (A, 2): 1}
    assert is_acknowledged(Dot(A, 1, 9), {(A, 1): 9})
    assert not is_acknowledged(Dot(A, 2, 1), {(A, 1): 9})


@given(st.permutations([(5, A, '"x"'), (5, B, '"y"'), (5, B, None), (4, B, '"z"')]))
def test_register_winner_is_the_same_in_any_order(
    writes: list[tuple[int, str, str | None]],
) -> None:
    winner: tuple[int, str, str | None] | None = None
    for write in writes:
        if register_wins(write, winner):
            winner = write
    assert winner == (5, B, '"y"')


def _event(n: int, kind: str, payload: dict[str, object], hlc: int) -> Event:
    return Event(
        Dot(A if n % 2 else B, 1, n),
        f"e-{n}",
        hlc,
        "learner-1",
        kind,
        "course",
        "lesson",
        json.dumps(payload, separators=(",", ":"), sort_keys=True),
    )


@settings(max_examples=50)
@given(st.randoms())
def test_progress_is_the_same_whatever_order_events_arrive(rnd: object) -> None:
    events = [
        _event(1, "lesson_started", {}, 10),
        _event(2, "time_spent", {"seconds": 30}, 11),
        _event(3, "media_position", {"seconds": 12.5}, 12),
        _event(4, "media_position", {"seconds": 40.0}, 30),
        _event(5, "quiz_scored", {"score": 3, "max": 5}, 31),
        _event(6, "quiz_scored", {"score": 5, "max": 5}, 20),
        _event(7, "lesson_completed", {}, 40),
        _event(8, "lesson_completed", {}, 35),
        _event(9, "time_spent", {"seconds": 12}, 5),
    ]
    expected = derive(events)
    shuffled = list(events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    progress = derive(shuffled)[("learner-1", "course", "lesson")]
    assert progress == expected[("learner-1", "course", "lesson")]
    assert progress.seconds_spent == 42
    assert progress.position_seconds == 40.0
    assert (progress.last_score, progress.completed_hlc, progress.first_hlc) == (3, 35, 5)


def test_export_stops_at_the_first_entry_that_does_not_fit() -> None:
    budget = Budget(100, overhead=0)
    progress = ExportProgress()
    lines = [(1, b"x" * 40), (2, b"y" * 60), (3, b"z" * 5)]
    taken = list(take_prefix(budget, lines, progress))
    # Entry 3 would fit, but sending it without 2 would leave a gap.
    assert taken == [b"x" * 40]
    assert progress.last_position == 1 and budget.truncated


def test_a_learners_record_goes_to_every_hub_that_wrote_about_them_and_their_new_home() -> None:
    moved = RegisterChange(Dot(A, 1, 3), "learner/l-1/home_hub", json.dumps(B), 7)
    assert route_targets(moved) == {A, B}
    group = RegisterChange(Dot(A, 1, 4), "group/g-1/name", '"5B"', 8)
    assert route_targets(group) == set()


def test_central_sends_back_a_restored_hubs_old_epochs_but_not_its_current_log() -> None:
    old = RegisterChange(Dot(A, 1, 3), "learner/l-1/display_name", '"Ana"', 7)
    current = RegisterChange(Dot(A, 2, 3), "learner/l-1/display_name", '"Ana"', 7)
    assert forwardable(old, A, 2) and not forwardable(current, A, 2)
    assert forwardable(current, B, 1)


def test_budget_keeps_room_for_the_bundles_own_overhead() -> None:
    assert Budget(1_000_000).limit < 1_000_000 - 64 * 1024
    assert Budget(10).limit == 0
    assert not list(itertools.islice(take_prefix(Budget(10), [(1, b"a")], ExportProgress()), 1))
