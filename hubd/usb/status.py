"""What the hub says about sticks: live state for the admin page, the API and the signal hook.

Plain data, no I/O: :class:`StickBoard` holds one :class:`StickState` per stick and tells its
listeners (the LED/buzzer hook) when a stick's phase changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Marks text the admin page translates when it shows it (kept here: no i18n import)."""
    return message


# Phases, in the words the admin page shows.
PHASES = {
    "waiting": N_("Waiting for the other stick to finish"),
    "opening": N_("Opening the stick"),
    "reading": N_("Reading what the stick brings"),
    "applying": N_("Installing what the stick brings"),
    "writing": N_("Writing this hub's data to the stick"),
    "checking": N_("Checking what was written"),
    "closing": N_("Closing the stick"),
    "done": N_("Done: safe to remove"),
    "failed": N_("Not finished: safe to remove; plug it in again to finish"),
    "removed": N_("Stick removed"),
}
BUSY = frozenset({"waiting", "opening", "reading", "applying", "writing", "checking", "closing"})


@dataclass
class Progress:
    """Bytes copied against the total, with speed and time left."""

    total: int = 0
    done: int = 0
    started: float = 0.0
    now: float = 0.0

    @property
    def percent(self) -> float:
        return 100.0 if self.total <= 0 else min(100.0, 100.0 * self.done / self.total)

    @property
    def mb_per_s(self) -> float:
        elapsed = self.now - self.started
        return 0.0 if elapsed <= 0 else self.done / elapsed / 1e6

    @property
    def seconds_left(self) -> float | None:
        rate = self.mb_per_s * 1e6
        return None if rate <= 0 else max(0.0, (self.total - self.done) / rate)

    def describe(self) -> str:
        left = self.seconds_left
        eta = "" if left is None else f", about {_duration(left)} left"
        return (
            f"{self.percent:.0f}% ({self.done / 1e6:.1f} of {self.total / 1e6:.1f} MB, "
            f"{self.mb_per_s:.1f} MB/s{eta})"
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


@dataclass
class StickState:
    """One stick, from plug to pull."""

    device: str
    label: str = ""
    phase: str = "opening"
    message: str = ""
    results: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    progress: Progress = field(default_factory=Progress)
    started: float = 0.0
    finished: float | None = None

    @property
    def safe_to_remove(self) -> bool:
        return self.phase in ("done", "failed", "removed", "waiting")

    def to_json(self) -> dict[str, Any]:
        p = self.progress
        return {
            "device": self.device,
            "label": self.label,
            "phase": self.phase,
            "phase_text": PHASES.get(self.phase, self.phase),
            "safe_to_remove": self.safe_to_remove,
            "message": self.message,
            "results": list(self.results),
            "problems": list(self.problems),
            "progress": {
                "percent": round(p.percent, 1),
                "bytes_done": p.done,
                "bytes_total": p.total,
                "mb_per_s": round(p.mb_per_s, 2),
                "seconds_left": None if p.seconds_left is None else round(p.seconds_left, 1),
            },
            "seconds": None if self.finished is None else round(self.finished - self.started, 1),
        }


Listener = Callable[[StickState], None]


class StickBoard:
    """Every stick the hub has seen since it started (the last few), newest last."""

    def __init__(self, keep: int = 8) -> None:
        self._sticks: dict[str, StickState] = {}
        self._keep = keep
        self.listeners: list[Listener] = []

    def start(self, device: str, label: str, now: float) -> StickState:
        state = StickState(device=device, label=label, started=now)
        self._sticks.pop(device, None)
        self._sticks[device] = state
        while len(self._sticks) > self._keep:
            self._sticks.pop(next(iter(self._sticks)))
        self._tell(state)
        return state

    def get(self, device: str) -> StickState | None:
        return self._sticks.get(device)

    def set_phase(self, state: StickState, phase: str, message: str = "") -> None:
        changed = phase != state.phase
        state.phase = phase
        state.message = message or PHASES.get(phase, phase)
        if changed:
            self._tell(state)

    def _tell(self, state: StickState) -> None:
        for listener in self.listeners:
            listener(state)

    def snapshot(self) -> list[dict[str, Any]]:
        return [s.to_json() for s in self._sticks.values()]

    @property
    def busy(self) -> bool:
        return any(s.phase in BUSY for s in self._sticks.values())
