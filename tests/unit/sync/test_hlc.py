"""The hybrid logical clock never goes back, whatever the wall clock reads."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hubd.sync.hlc import HybridClock, pack, unpack

YEAR_2026 = 1_795_000_000_000
YEAR_1970 = 5_000
YEAR_2040 = 2_220_000_000_000


def test_clock_keeps_moving_forward_after_power_cut_resets_wall_clock_to_1970() -> None:
    clock = HybridClock()
    before = clock.now(YEAR_2026)
    after = clock.now(YEAR_1970)
    assert after > before
    assert unpack(after)[0] == YEAR_2026


def test_persisted_floor_carries_order_across_restarts() -> None:
    first = HybridClock()
    issued = first.now(YEAR_2026)
    restarted = HybridClock(last=issued)
    assert restarted.now(YEAR_1970) > issued


def test_observing_a_hub_from_2040_moves_past_it() -> None:
    clock = HybridClock()
    remote = pack(YEAR_2040, 7)
    assert clock.observe(remote, YEAR_2026) > remote


def test_counter_overflow_borrows_the_next_millisecond() -> None:
    clock = HybridClock(last=pack(YEAR_2026, 0xFFFF))
    assert unpack(clock.now(YEAR_2026)) == (YEAR_2026 + 1, 0)


@given(st.lists(st.one_of(st.integers(-(10**15), 10**15), st.tuples(st.integers(0, 2**62)))))
def test_times_are_strictly_increasing_for_any_sequence_of_readings(readings: list[object]) -> None:
    clock = HybridClock()
    last = -1
    for reading in readings:
        if isinstance(reading, tuple):
            value = clock.observe(reading[0], YEAR_2026)
        else:
            assert isinstance(reading, int)
            value = clock.now(reading)
        assert value > last
        assert 0 <= value < 2**63
        last = value
