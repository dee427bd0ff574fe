"""The Raspberry Pi (arm64) image builds: run when asked, it takes about a quarter of an hour
under qemu-user emulation. Not collected by the normal suite (the file name does not start
with test_); run it with:

    .venv/bin/pytest tests/image/arm64_build.py

Needs qemu-user-static with binfmt_misc registered (apt-get install qemu-user-static).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECTOR = 512


@pytest.mark.timeout(3600)
def test_arm64_image_builds_with_the_pi_boot_partition(tmp_path: Path) -> None:
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
    cmdline = subprocess.run(
        ["mtype", "-i", f"{image}@@{boot_start}", "::cmdline.txt"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "root=LABEL=hub-root" in cmdline
