"""The bundle tests' fleet, and loop devices that are always detached (mounts undone first)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.usb.realkit import Loops
from tests.unit.bundle.bundlekit import fleet

__all__ = ["fleet", "loops"]


@pytest.fixture
def loops(tmp_path: Path) -> Iterator[Callable[[int], Loops]]:
    """``loops(n)``: n free loop device names for this test, cleaned up whatever happens."""
    made: list[Loops] = []

    def make(count: int) -> Loops:
        made.append(Loops(tmp_path, count))
        return made[-1]

    yield make
    for each in made:
        each.cleanup()
