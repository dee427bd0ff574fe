"""A stick unmounted under a session never makes the hub write into the bare mount point on
its own disk (a lazy unmount leaves the empty folder behind). Needs root."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from hubd.usb import stick
from hubd.usb.stickfiles import LocalStickFiles
from tests.integration.usb.realkit import run


def test_files_of_an_unmounted_stick_fail_instead_of_writing_to_the_hubs_disk(
    tmp_path: Path,
) -> None:
    point = tmp_path / "loop9"
    point.mkdir()
    run("mount", "-t", "tmpfs", "-o", "size=1m", "stick", str(point))
    try:
        files = LocalStickFiles(point)
        files.make_dir(stick.STICK_FOLDER)
    finally:
        run("umount", "-l", str(point))
    with pytest.raises(OSError) as info:
        files.make_dir(stick.STICK_FOLDER)
    assert info.value.errno == errno.ENODEV
    with pytest.raises(OSError):
        files.write_new(stick.STATUS_FILE, [b"x"])
    assert list(point.iterdir()) == [], "nothing was written on the hub's own disk"
