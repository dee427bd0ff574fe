"""What a booted hub image must do, the same for amd64 and arm64: first boot makes the hub's
identity and grows the state partition, hubd answers on port 80 healthy and behind the captive
portal, and after a power cut the second boot keeps the identity and skips the first boot."""

from __future__ import annotations

import sys
import time

import aiohttp

from tests.image.qemu import QemuHub


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
    await boot_until_serving(hub, bound)
    assert not hub.printed(r"hubd-firstboot"), "the second boot ran the first boot again"
    async with (
        aiohttp.ClientSession() as session,
        session.get(hub.url + "/api/v1/health") as response,
    ):
        again = await response.json()
    assert again["status"] == "ok"
    assert again["hub"]["id"] == health["hub"]["id"]
