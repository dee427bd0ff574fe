"""The hub's wall clock after power cuts: it never falls behind what the hub has recorded, and
it takes the time the classroom's devices agree on, never one device's alone."""

from __future__ import annotations

from dataclasses import dataclass

from hubd.sync.hlc import HybridClock, pack, unpack
from hubd.timekeeping import HubWall
from hubd.timekeeping.wall import MAX_DEVICE_STEP_MS, STEP_MS, WINDOW_S, agreed_offset

BUILD_DAY = 1_795_000_000_000  # the image's build: where the system clock starts after a cut
MINUTE = 60_000
DAY = 24 * 60 * MINUTE


@dataclass
class Board:
    """A board without a clock module: the system clock and the seconds since power-on."""

    system: int = BUILD_DAY
    up: float = 0.0

    def pass_time(self, ms: int) -> None:
        self.system += ms
        self.up += ms / 1000

    def wall(self, clock: HybridClock) -> HubWall:
        return HubWall(lambda: self.system, lambda: self.up, clock)


def test_after_a_power_cut_the_clock_runs_on_from_the_last_record() -> None:
    board = Board()
    last_evening = BUILD_DAY + 40 * DAY
    clock = HybridClock(last=pack(last_evening, 3))  # the floor kept in the database
    wall = board.wall(clock)
    assert wall.now_ms() == last_evening
    board.pass_time(2 * 60 * MINUTE)
    # Two hours of lessons later the hub's time has moved two hours, not stood still.
    assert wall.now_ms() == last_evening + 2 * 60 * MINUTE
    assert unpack(clock.now(wall.now_ms()))[0] == last_evening + 2 * 60 * MINUTE
    assert wall.last_correction is not None and wall.last_correction.by == "records"


def test_a_signed_time_from_central_moves_the_clock_forward_too() -> None:
    board = Board()
    clock = HybridClock()
    wall = board.wall(clock)
    assert wall.now_ms() == BUILD_DAY
    central_signed = BUILD_DAY + 90 * DAY
    clock.observe(pack(central_signed, 0), wall.now_ms())
    wall.now_ms()  # as the hub does right after applying a reply
    board.pass_time(MINUTE)
    assert wall.now_ms() == central_signed + MINUTE


def test_three_devices_that_agree_set_the_clock() -> None:
    board = Board()
    wall = board.wall(HybridClock())
    today = BUILD_DAY + 75 * DAY
    wall.device_time("10.42.0.21", today)
    wall.device_time("10.42.0.22", today + 4_000)
    assert wall.now_ms() == BUILD_DAY, "two devices are not enough"
    wall.device_time("10.42.0.23", today - 9_000)
    assert abs(wall.now_ms() - today) < 10_000
    assert wall.last_correction is not None
    assert (wall.last_correction.by, wall.last_correction.devices) == ("devices", 3)


def test_one_device_set_wrong_changes_nothing_and_is_outvoted() -> None:
    board = Board()
    wall = board.wall(HybridClock())
    today = BUILD_DAY + 75 * DAY
    # The same phone many times: one device.
    for _ in range(5):
        wall.device_time("10.42.0.30", BUILD_DAY + 4000 * DAY)
    assert wall.now_ms() == BUILD_DAY
    for n in range(3):
        wall.device_time(f"10.42.0.{40 + n}", today + n * 1000)
    assert abs(wall.now_ms() - today) < 10_000


def test_devices_that_disagree_change_nothing() -> None:
    board = Board()
    wall = board.wall(HybridClock())
    for n, days in enumerate([10, 200, 3000, 45]):
        wall.device_time(f"10.42.0.{50 + n}", BUILD_DAY + days * DAY)
    assert wall.now_ms() == BUILD_DAY
    assert wall.last_correction is None


def test_a_right_clock_is_not_moved_by_small_differences_nor_ever_moved_back() -> None:
    board = Board()
    wall = board.wall(HybridClock())
    for n in range(5):  # phones a minute or two ahead: normal
        wall.device_time(f"10.42.0.{60 + n}", BUILD_DAY + 2 * MINUTE)
    assert wall.now_ms() == BUILD_DAY
    for n in range(5):  # phones behind the hub: the clock never goes back
        wall.device_time(f"10.42.0.{70 + n}", BUILD_DAY - 3 * DAY)
    assert wall.now_ms() == BUILD_DAY
    assert STEP_MS > 2 * MINUTE


def test_readings_older_than_the_window_are_forgotten() -> None:
    board = Board()
    wall = board.wall(HybridClock())
    wall.device_time("10.42.0.81", BUILD_DAY + 75 * DAY)
    wall.device_time("10.42.0.82", BUILD_DAY + 75 * DAY)
    board.pass_time(int((WINDOW_S + 1) * 1000))
    wall.device_time("10.42.0.83", BUILD_DAY + 75 * DAY)
    assert wall.now_ms() == board.system, "the first two were heard too long ago"


def test_times_no_clock_should_show_are_ignored() -> None:
    board = Board()
    wall = board.wall(HybridClock())
    for n in range(4):
        wall.device_time(f"10.42.0.{90 + n}", 0)  # a phone whose clock reads 1970
    assert wall.now_ms() == BUILD_DAY


def test_agreement_needs_a_quorum_and_a_majority() -> None:
    assert agreed_offset([5 * DAY, 5 * DAY]) is None
    assert agreed_offset([5 * DAY + 1000, 5 * DAY, 5 * DAY - 1000]) == 5 * DAY
    # Three agree, three others are scattered: no majority.
    assert agreed_offset([5 * DAY, 5 * DAY, 5 * DAY, 1 * DAY, 9 * DAY, 20 * DAY]) is None
    assert agreed_offset([5 * DAY, 5 * DAY, 5 * DAY, 1 * DAY]) == 5 * DAY


def test_devices_never_throw_the_clock_years_ahead() -> None:
    board = Board()
    wall = board.wall(HybridClock())
    for n in range(5):  # a prank: every phone at hand set to 2040
        wall.device_time(f"10.42.0.{100 + n}", BUILD_DAY + 5000 * DAY)
    assert wall.now_ms() == BUILD_DAY
    assert MAX_DEVICE_STEP_MS < 5000 * DAY


def test_time_the_clock_was_set_forward_is_known_so_sessions_do_not_age_by_it() -> None:
    board = Board()
    wall = board.wall(HybridClock())
    signed_in = wall.now_ms()
    board.pass_time(10 * MINUTE)
    wall.set_forward(wall.now_ms() + 30 * DAY, "teacher")
    board.pass_time(5 * MINUTE)
    assert wall.now_ms() - signed_in - wall.moved_since(signed_in) == 15 * MINUTE
    assert wall.moved_since(wall.now_ms()) == 0
