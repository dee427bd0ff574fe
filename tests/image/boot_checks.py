"""What a booted hub image must do, the same for amd64 and arm64: first boot makes the hub's
identity and grows the state partition, hubd answers on port 80 healthy and behind the captive
portal, and after a power cut the second boot keeps the identity and skips the first boot."""

from __future__ import annotations

import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.image.qemu import QemuHub


@dataclass(frozen=True)
class SystemPartition:
    """What the ext4 superblock of the card's system partition (the second) says."""

    mount_count: int
    kib_written: int
    needs_recovery: bool


def system_partition(card: Path) -> SystemPartition:
    """Read from the card image on the host, the machine off: no mount, no tool."""
    with card.open("rb") as f:
        table = f.read(512)
        (first_sector,) = struct.unpack_from("<I", table, 446 + 16 + 8)
        f.seek(first_sector * 512 + 1024)
        block = f.read(1024)
    assert struct.unpack_from("<H", block, 0x38)[0] == 0xEF53, "no ext4 on the second partition"
    (mount_count,) = struct.unpack_from("<H", block, 0x34)
    (incompat,) = struct.unpack_from("<I", block, 0x60)
    (kib_written,) = struct.unpack_from("<Q", block, 0x178)
    return SystemPartition(mount_count, kib_written, needs_recovery=bool(incompat & 0x4))


async def boot_until_serving(hub: QemuHub, bound: float) -> float:
    await hub.power_on()
    await hub.wait_for_console(r"Learning Hub is serving at", bound)
    seconds = time.monotonic() - hub.booted_at
    print(f"\n{hub.arch} boot to hubd ready: {seconds:.0f} s", file=sys.stderr)
    return seconds


async def check_boots_and_keeps_identity(hub: QemuHub, bound: float) -> None:
    await boot_until_serving(hub, bound)
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
    # First boot wrote the card's own keys to the system partition and made it read-only
    # again: the power cut found nothing there half-written.
    after_first = system_partition(hub.disk)
    assert not after_first.needs_recovery, after_first

    await boot_until_serving(hub, bound)
    assert not hub.printed(r"hubd-firstboot"), "the second boot ran the first boot again"
    assert not hub.printed(r"FAILED"), hub.tail()
    async with (
        aiohttp.ClientSession() as session,
        session.get(hub.url + "/api/v1/health") as response,
    ):
        again = await response.json()
    assert again["status"] == "ok"
    assert again["hub"]["id"] == health["hub"]["id"]

    # The second boot, serving learners, never opened the system partition for writing: a
    # power cut now finds it exactly as the last one left it.
    await hub.power_cut()
    after_second = system_partition(hub.disk)
    assert after_second == after_first, (after_first, after_second)
