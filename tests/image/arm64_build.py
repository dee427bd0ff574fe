"""The Raspberry Pi (arm64) image builds, and boots into a working hub: run when asked, the
build takes about a quarter of an hour under qemu-user emulation and each boot a few minutes
under qemu-system-aarch64. Not collected by the normal suite (the file name does not start
with test_); run it with:

    .venv/bin/pytest tests/image/arm64_build.py

Needs qemu-user-static with binfmt_misc registered, and qemu-system-arm for the boot
(apt-get install qemu-user-static binfmt-support qemu-system-arm).

The boot is on qemu's `virt` board, not a Pi (qemu's raspi boards have no USB networking or
SD card it could boot this from reliably): the same card image, kernel, initramfs, root and
state partitions, first boot and units; only the Pi's own firmware and Wi-Fi go unused.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.image.boot_checks import check_boots_and_keeps_identity
from tests.image.qemu import QemuHub, grow_copy

ROOT = Path(__file__).resolve().parents[2]
SECTOR = 512
BOOT_BOUND = 900  # seconds; an emulated Cortex-A72 boots several times slower than amd64


@pytest.mark.timeout(3600 + 3 * BOOT_BOUND)
async def test_arm64_image_builds_with_the_pi_boot_partition_and_boots(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ROOT / "image-build/build-image.sh"), "--arch", "arm64", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=3500,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    image = tmp_path / "hub-arm64.img"
    table = subprocess.run(
        ["sfdisk", "--dump", str(image)], capture_output=True, text=True, check=True
    ).stdout
    assert "type=c, bootable" in table  # the FAT partition the Pi firmware boots from
    boot_start = 2048 * SECTOR
    listing = subprocess.run(
        ["mdir", "-b", "-i", f"{image}@@{boot_start}", "::"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("config.txt", "cmdline.txt", "start4.elf"):
        assert f"::/{name}" in listing, listing
    # The kernel and initramfs the firmware loads (raspi-firmware copied them there).
    assert "::/vmlinuz-" in listing, listing
    assert "::/initrd.img-" in listing, listing
    cmdline = subprocess.run(
        ["mtype", "-i", f"{image}@@{boot_start}", "::cmdline.txt"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "root=LABEL=hub-root" in cmdline

    disk = grow_copy(image, tmp_path / "card.img", extra_mib=1024)
    hub = QemuHub(disk, image.with_suffix(".vmlinuz"), image.with_suffix(".initrd"), arch="arm64")
    hub.console_log = tmp_path / "console.log"
    try:
        await check_boots_and_keeps_identity(hub, BOOT_BOUND)
    finally:
        await hub.power_cut()
