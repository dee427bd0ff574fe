"""The hub's wall clock: never behind what the hub knows, and set by the classroom's devices.

A hub on a solar battery has no real-time clock: after every power cut the system clock starts
again from an old time (the image's build date, or 1970). The hybrid clock keeps the order of
records whatever the wall clock says, but teachers count days: with the clock standing still, a
week of lessons would fall on one day. Two corrections, both only ever forward:

- a floor: the wall clock is never behind the latest time the hub has issued or seen (its own
  records when it starts, central's signed time in a reply, times carried from other hubs), and
  runs on from there in real time;
- the classroom's devices: phones and tablets mostly know the time (from the mobile network, or
  from their last time online). Learners' browsers send their time with their progress. When at
  least ``QUORUM`` devices (distinct addresses) heard from within ``WINDOW_S`` agree within
  ``TOLERANCE_MS``, a majority of those heard, and their time is more than ``STEP_MS`` ahead of
  the hub's (by at most ``MAX_DEVICE_STEP_MS``), the hub takes it. One phone set wrong changes
  nothing, and a hub whose own clock is right (NTP, a clock module) is never moved by small
  differences.

The correction lives in the daemon (hubd may not set the system clock); the floor in the
database carries what it learnt across restarts.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from hubd.sync.hlc import HybridClock, unpack

_LOGGER = logging.getLogger(__name__)

QUORUM = 3
WINDOW_S = 600.0
TOLERANCE_MS = 120_000
STEP_MS = 300_000
#: Devices never move the clock further than this in one go: a hub closed for longer waits for
#: central's signed time, and a prank (phones set to 2040) cannot throw its days far.
MAX_DEVICE_STEP_MS = 400 * 24 * 3_600_000
#: The hybrid clock may run this far ahead of the wall clock before the wall follows it.
FOLLOW_SLACK_MS = 1_000
#: Device times outside these years are not times anyone's clock should be set to.
EARLIEST_MS = 1_577_836_800_000  # 2020-01-01
LATEST_MS = 4_102_444_800_000  # 2100-01-01
_MAX_DEVICES = 256


@dataclass(frozen=True, slots=True)
class Correction:
    """The last time the hub moved its wall clock forward, for the admin page and health."""

    by: str  # "records" (its own or central's times), "devices" or "teacher"
    ahead_ms: int  # how far it moved
    at_ms: int  # the corrected time when it did
    devices: int = 0


class HubWall:
    """The wall clock hubd uses: the system clock plus a correction that only grows."""

    def __init__(
        self,
        system_ms: Callable[[], int],
        monotonic: Callable[[], float],
        clock: HybridClock,
    ) -> None:
        self._system_ms = system_ms
        self._monotonic = monotonic
        self._clock = clock
        self.offset_ms = 0
        self.last_correction: Correction | None = None
        self._corrections: list[Correction] = []  # since the daemon started, oldest first
        self._devices: dict[str, tuple[int, float]] = {}  # address -> (offset, heard at)

    def now_ms(self) -> int:
        """Milliseconds since 1970, never behind the latest time the hub has issued or seen."""
        now = self._system_ms() + self.offset_ms
        known, _ = unpack(self._clock.last)
        if known > now + FOLLOW_SLACK_MS:
            self._move(known - now, "records", 0)
            now = known
        return now

    def device_time(self, device: str, device_ms: int) -> None:
        """A device's clock reading (a learner's browser, as it sends progress)."""
        if not EARLIEST_MS <= device_ms <= LATEST_MS:
            return
        heard = self._monotonic()
        self._devices.pop(device, None)  # the newest reading last: the oldest go first below
        self._devices[device] = (device_ms - self._system_ms(), heard)
        for old in [d for d, (_, at) in self._devices.items() if heard - at > WINDOW_S]:
            del self._devices[old]
        while len(self._devices) > _MAX_DEVICES:
            del self._devices[next(iter(self._devices))]
        offsets = [offset for offset, _ in self._devices.values()]
        target = agreed_offset(offsets)
        if target is not None and STEP_MS < target - self.offset_ms <= MAX_DEVICE_STEP_MS:
            agreeing = sum(1 for o in offsets if abs(o - target) <= TOLERANCE_MS)
            self._move(target - self.offset_ms, "devices", agreeing)

    def set_forward(self, target_ms: int, by: str) -> None:
        """A person sets the time (a teacher on the hub page): forward only, and not absurdly.

        Raises ValueError with the reason when ``target_ms`` is not ahead of the hub's time or
        more than ``MAX_DEVICE_STEP_MS`` ahead of it."""
        now = self.now_ms()
        if target_ms <= now:
            raise ValueError("behind")
        if target_ms - now > MAX_DEVICE_STEP_MS:
            raise ValueError("too far")
        self._move(target_ms - now, by, 0)

    def moved_since(self, since_ms: int) -> int:
        """How far the clock was set forward after ``since_ms``: time that did not pass.

        A staff session's age, say, must not jump because the clock was corrected."""
        return sum(c.ahead_ms for c in self._corrections if c.at_ms - c.ahead_ms >= since_ms)

    def _move(self, ahead_ms: int, by: str, devices: int) -> None:
        self.offset_ms += ahead_ms
        now = self._system_ms() + self.offset_ms
        self.last_correction = Correction(by, ahead_ms, now, devices)
        self._corrections = [*self._corrections[-99:], self.last_correction]
        source = {
            "devices": f"{devices} devices in the classroom agree",
            "records": "the hub's records (or central's signed time) are later",
        }.get(by, f"set by {by}")
        _LOGGER.info(
            "The hub's clock was %s behind; moved forward (%s)", _duration(ahead_ms), source
        )


def agreed_offset(offsets: list[int]) -> int | None:
    """The offset at least QUORUM devices, and a majority of those heard, agree on; or None."""
    if len(offsets) < QUORUM:
        return None
    middle = statistics.median_low(offsets)
    agreeing = [o for o in offsets if abs(o - middle) <= TOLERANCE_MS]
    if len(agreeing) < QUORUM or 2 * len(agreeing) <= len(offsets):
        return None
    return statistics.median_low(agreeing)


def _duration(ms: int) -> str:
    minutes = ms // 60_000
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 72 else f"{hours // 24} days"
