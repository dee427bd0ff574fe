"""Memory stays flat: packing and reading four times more data does not need more memory."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

from hubd.bundle import pack_content, read_bundle_folder, unpack_content
from hubd.bundle.limits import Limits, MiB
from tests.unit.bundle.bundlekit import Fleet


def _peak_for(fleet: Fleet, tmp_path: Path, size: int) -> int:
    course = tmp_path / f"course-{size}"
    course.mkdir()
    (course / "course.json").write_text("{}")
    block = os.urandom(64 * 1024) + bytes(192 * 1024)  # compresses, but not to nothing
    with (course / "video.webm").open("wb") as out:
        for _ in range(size // len(block)):
            out.write(block)
    tracemalloc.start()
    try:
        pack_content(course, tmp_path / f"b-{size}", fleet="demo", sequence=1,
                     signing_keys=fleet.content[:1])  # fmt: skip
        policy = fleet.hub_policy(limits=Limits())
        with read_bundle_folder(tmp_path / f"b-{size}", tmp_path / f"w-{size}", policy) as bundle:
            unpack_content(bundle, tmp_path / f"out-{size}")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_pack_and_verify_keep_memory_flat(fleet: Fleet, tmp_path: Path) -> None:
    small = _peak_for(fleet, tmp_path, 8 * MiB)
    large = _peak_for(fleet, tmp_path, 32 * MiB)
    assert large < small + 2 * MiB, (small, large)
    assert large < 32 * MiB, "peak should be a few frames, not the data"
