"""The technician's manual mode: a FAT stick mounted by hand (fusefat) and `hubd sync-stick DIR`
run as a real process while the daemon is stopped. It is the USB session itself: a course comes
in (copied onto the stick by a DOS tool, its names in capitals), this hub's request to join and
its learners' progress go out, the stick's status file tells the visit, and a second visit does
not bring the same course in again. Needs root (fusefat)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from hubd.config import Config, render_config
from hubd.deps import Deps
from hubd.sync.model import Event
from hubd.usb import stick
from hubd.web import keys
from hubd.web.app import create_app
from tests.integration.usb.realkit import (
    StickImage,
    central_reads,
    committed,
    content_bundle,
    hub_config,
    learners_did_things,
)
from tests.unit.bundle.bundlekit import Fleet

COURSE_IN = 'Brought in: course "fracciones" version 1.'


def sync_stick(config_path: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hubd", "sync-stick", "--config", str(config_path), str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def hub_state(config: Config, events: int = 0) -> tuple[str, list[str]]:
    """Start the hub in-process (learners may learn), then stop it: its id and its courses."""
    app = create_app(config, Deps())
    async with TestClient(TestServer(app)) as client:
        if events:
            await learners_did_things(app, events)
        courses = await (await client.get("/api/v1/courses")).json()
        return app[keys.HUB_KEYS].key_id, [c["id"] for c in courses["courses"]]


async def test_a_stick_mounted_by_hand_is_synced_like_a_plugged_in_one(
    tmp_path: Path, fleet: Fleet, make_course: Any
) -> None:
    config = hub_config(tmp_path, fleet, [])
    config_path = tmp_path / "hubd.toml"
    config_path.write_text(render_config(config))
    hub_id, courses = await hub_state(config, events=300)
    assert courses == []
    image = StickImage(tmp_path / "route.img")
    image.put_bundle_in_capitals(
        content_bundle(fleet, make_course(version=1), tmp_path / "bundle"), "cont-1"
    )

    with image.opened() as folder:
        first = sync_stick(config_path, folder)
    assert first.returncode == 0, first.stdout + first.stderr
    assert COURSE_IN in first.stdout
    assert "this hub's request to join" in first.stdout
    assert "learners' progress" in first.stdout
    assert (await hub_state(config))[1] == ["fracciones"]

    box = image.copy_out(stick.outbox(hub_id), tmp_path / "box")
    kinds = sorted(folder.name.split("-")[0] for folder in committed(box))
    assert kinds == ["enro", "prog"]
    [progress] = [f for f in committed(box) if f.name.startswith("prog-")]
    entries = central_reads(fleet, progress, hub_id, tmp_path / "central").entries
    assert sum(isinstance(e, Event) for e in entries) == 300
    status = (image.read(stick.STATUS_FILE) or b"").decode()
    assert "Escuela 14" in status and "Done." in status and COURSE_IN in status

    # The next visit: the course is not brought in twice; the progress bundle is replaced.
    with image.opened() as folder:
        second = sync_stick(config_path, folder)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Brought in" not in second.stdout
    again = image.copy_out(stick.outbox(hub_id), tmp_path / "again")
    assert sorted(f.name.split("-")[0] for f in committed(again)) == ["enro", "prog"]
    assert (image.read(stick.STATUS_FILE) or b"").decode().count("Escuela 14") == 2


async def test_a_folder_that_is_not_there_is_named_and_nothing_is_written(
    tmp_path: Path, fleet: Fleet
) -> None:
    config = hub_config(tmp_path, fleet, [])
    config_path = tmp_path / "hubd.toml"
    config_path.write_text(render_config(config))
    missing = tmp_path / "media" / "STICK"
    done = sync_stick(config_path, missing)
    assert done.returncode == 2
    assert f"{missing} is not a folder" in done.stdout
    assert "Traceback" not in done.stderr
    assert not missing.exists()
