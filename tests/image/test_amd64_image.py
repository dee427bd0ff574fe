"""The SD image, built from this repository (amd64 variant of the arm64 recipe) and booted
under qemu: the hub answers on port 80, healthy, with the identity it made on first boot,
and keeps that identity after a power cut."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.image.boot_checks import check_boots_and_keeps_identity
from tests.image.qemu import QemuHub, grow_copy

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 1200
BOOT_BOUND = 300  # seconds; a TCG boot takes about a minute on two cores


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("image")
    started = time.monotonic()
    result = subprocess.run(
        [str(ROOT / "image-build/build-image.sh"), "--arch", "amd64", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    print(f"\nimage build: {time.monotonic() - started:.0f} s", file=sys.stderr)
    return out / "hub-amd64.img"


@pytest.fixture
async def hub(image: Path, tmp_path: Path) -> AsyncIterator[QemuHub]:
    disk = grow_copy(image, tmp_path / "card.img", extra_mib=1024)
    machine = QemuHub(disk, image.with_suffix(".vmlinuz"), image.with_suffix(".initrd"))
    machine.console_log = tmp_path / "console.log"
    try:
        yield machine
    finally:
        await machine.power_cut()


@pytest.mark.timeout(BUILD_TIMEOUT + 3 * BOOT_BOUND)
async def test_image_boots_into_a_working_hub_that_keeps_its_identity(hub: QemuHub) -> None:
    await check_boots_and_keeps_identity(hub, BOOT_BOUND)
