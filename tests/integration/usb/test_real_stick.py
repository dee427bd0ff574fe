"""A real FAT stick: an image on a loop device (a real kernel uevent), mounted by the real
helper through fusefat, synced by the running hub, and read back afterwards. Needs root."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from hubd.bundle import CENTRAL, pack_content
from hubd.config import Config, FleetSection, HubSection, StorageSection, UsbSection, WebSection
from hubd.deps import Deps
from hubd.usb import stick
from hubd.usb.status import StickState
from hubd.web import keys
from hubd.web.app import create_app
from tests.unit.bundle.bundlekit import Fleet


def run(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


class FatImage:
    """A FAT32 image file, edited through fusefat while no loop device holds it."""

    def __init__(self, path: Path, mb: int = 64) -> None:
        self.path = path
        with path.open("wb") as f:
            f.truncate(mb << 20)
        run("mkfs.vfat", "-F", "32", "-n", "ROUTE1", str(path))

    def edit(self, where: Path) -> _Mounted:
        return _Mounted(self.path, where)


class _Mounted:
    def __init__(self, image: Path, where: Path) -> None:
        self.image, self.where = image, where

    def __enter__(self) -> Path:
        self.where.mkdir(exist_ok=True)
        run("fusefat", "-o", "rw+", str(self.image), str(self.where))
        return self.where

    def __exit__(self, *exc: object) -> None:
        run("umount", str(self.where))


@pytest.fixture
def loop_name() -> Iterator[str]:
    name = Path(run("losetup", "-f")).name
    yield name
    subprocess.run(["losetup", "-d", f"/dev/{name}"], capture_output=True, check=False)


async def test_plugged_fat_stick_is_synced_and_safe_to_remove(
    tmp_path: Path, fleet: Fleet, make_course: Any, loop_name: str
) -> None:
    image = FatImage(tmp_path / "stick.img")
    bundle = tmp_path / "bundle"
    pack_content(
        make_course(version=1),
        bundle,
        fleet=fleet.trust.fleet,
        sequence=1,
        signing_keys=[fleet.content[0]],
        trust_files=fleet.trust_files,
    )
    with image.edit(tmp_path / "edit") as root:
        target = root / "learnhub" / "in" / "cont-1-abcdef12"
        target.mkdir(parents=True)
        for part in bundle.iterdir():  # fusefat has no chmod/utime: plain copies only
            (target / part.name).write_bytes(part.read_bytes())
    sticks = tmp_path / "sticks"
    helper = f"{sys.executable} -m hubd.usb.mount_helper --allow-loop --mount-root {sticks}"
    config = Config(
        hub=HubSection(name="Escuela 14", data_dir=tmp_path / "hub"),
        web=WebSection(host="127.0.0.1", port=0),
        storage=StorageSection(min_free_mb=0),
        fleet=FleetSection(id=fleet.trust.fleet, root_public_key=fleet.trust.root),
        usb=UsbSection(
            mounter="command",
            helper_command=helper,
            mount_root=sticks,
            allow_devices=loop_name,
            debounce_seconds=0.2,
        ),
    )
    app = create_app(config, Deps())
    finished = asyncio.Event()

    def watch(state: StickState) -> None:
        if state.phase in ("done", "failed"):
            finished.set()

    async with TestClient(TestServer(app)) as client:
        app[keys.STICKS].listeners.append(watch)
        plugged = time.monotonic()
        run("losetup", f"/dev/{loop_name}", str(image.path))  # the kernel's uevent does the rest
        async with asyncio.timeout(60):
            await finished.wait()
        elapsed = time.monotonic() - plugged
        body = await (await client.get("/api/v1/sticks")).json()
        [state] = body["sticks"]
        assert state["phase"] == "done", state
        assert state["safe_to_remove"] and not body["busy"]
        assert 'Brought in: course "fracciones" version 1.' in state["results"]
        courses = await (await client.get("/api/v1/courses")).json()
        assert [c["id"] for c in courses["courses"]] == ["fracciones"]
        assert not (sticks / loop_name).exists() or not any((sticks / loop_name).iterdir())
        print(f"plug to safe-to-remove: {elapsed:.2f} s")
    run("losetup", "-d", f"/dev/{loop_name}")
    with image.edit(tmp_path / "check") as root:
        status = (root / stick.STATUS_FILE).read_text()
        assert "Escuela 14" in status and "Done." in status
        box = root / stick.outbox(app[keys.HUB_KEYS].key_id)
        names = sorted(p.name for p in box.iterdir())
        # This hub's request to join, and its progress for central (encrypted to central).
        assert names[0] == "enro-1" and names[1].startswith("prog-") and len(names) == 2
        assert (box / "enro-1" / "manifest.sig").exists()
        progress_manifest = json.loads((box / names[1] / "manifest.json").read_bytes())
        assert progress_manifest["kind"] == "progress"
        assert progress_manifest["recipient"] == CENTRAL
