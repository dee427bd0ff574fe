"""The SD image, built from this repository (amd64 variant of the arm64 recipe) and booted
under qemu: the hub answers on port 80, healthy, with the identity it made on first boot,
and keeps that identity after a power cut."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

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


async def boot_until_serving(hub: QemuHub) -> float:
    await hub.power_on()
    await hub.wait_for_console(r"Learning Hub is serving at", BOOT_BOUND)
    seconds = time.monotonic() - hub.booted_at
    print(f"\nboot to hubd ready: {seconds:.0f} s", file=sys.stderr)
    return seconds


@pytest.mark.timeout(BUILD_TIMEOUT + 3 * BOOT_BOUND)
async def test_image_boots_into_a_working_hub_that_keeps_its_identity(hub: QemuHub) -> None:
    await boot_until_serving(hub)
    made = await hub.wait_for_console(r"hubd-firstboot: this hub is (\w+)", 5)
    assert hub.printed(r"hubd-firstboot: SSH host key SHA256:")
    assert not hub.printed(r"FAILED"), hub.tail()
    async with aiohttp.ClientSession() as session:
        async with session.get(hub.url + "/api/v1/health") as response:
            assert response.status == 200
            health = await response.json()
        assert health["status"] == "ok"
        assert health["hub"]["id"] == made.group(1)
        # The state partition grew from 64 MiB to fill the (1 GiB bigger) card.
        assert health["disk"]["total_bytes"] > 900 * 1024 * 1024, health["disk"]
        async with session.get(hub.url + "/", headers={"Host": "hub.lan"}) as page:
            assert page.status == 200
            assert "Learning Hub" in await page.text()
        # The captive portal is on in the image: an Android phone is sent to the hub.
        async with session.get(
            hub.url + "/generate_204",
            headers={"Host": "connectivitycheck.gstatic.com"},
            allow_redirects=False,
        ) as check:
            assert check.status == 302
            assert check.headers["Location"] == "http://hub.lan/"

    await hub.power_cut()
    await boot_until_serving(hub)
    assert not hub.printed(r"hubd-firstboot"), "the second boot ran the first boot again"
    async with (
        aiohttp.ClientSession() as session,
        session.get(hub.url + "/api/v1/health") as response,
    ):
        again = await response.json()
    assert again["status"] == "ok"
    assert again["hub"]["id"] == health["hub"]["id"]
