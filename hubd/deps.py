"""What the hub takes from the outside world, passed in so tests can hand in fakes."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from hubd.lifecycle.systemd import Notifier, notifier_from_environment

if TYPE_CHECKING:
    from hubd.usb.mounter import Mounter
    from hubd.usb.service import FilesFactory


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


def _disk_usage(path: Path) -> DiskUsage:
    usage = shutil.disk_usage(path)
    return DiskUsage(usage.total, usage.used, usage.free)


@dataclass(frozen=True, slots=True)
class Deps:
    """The clock, the disk and the service manager, as the hub sees them."""

    wall_ms: Callable[[], int] = _wall_ms
    monotonic: Callable[[], float] = time.monotonic
    disk_usage: Callable[[Path], DiskUsage] = _disk_usage
    notifier: Notifier = field(default_factory=notifier_from_environment)
    # USB sticks: None means the real helper (see [usb]) and the real files; tests pass fakes
    # and fault injectors here.
    stick_mounter: Mounter | None = None
    stick_files: FilesFactory | None = None
