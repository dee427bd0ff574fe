"""A real `hubd serve` with `online.central_url` syncs by itself with a real `central serve`.

The hub asks to join on its own, is refused until an operator approves it (`central enrol
approve`), then its learner's progress arrives in central and central's acknowledgement comes
back; the daemon stops cleanly while its online sync waits for the next look.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hubd.config import OnlineSection, render_config
from tests.e2e.test_stick_route import (
    _first_start,
    _hub_config,
    _post_progress,
    _register_with_session,
)
from tests.integration.central.centralkit import write_settings
from tests.unit.bundle.bundlekit import Fleet

pytestmark = pytest.mark.slow
BOUND = 120.0  # the longest any step may take; each wait ends as soon as its line is logged


class Process:
    """A child process whose log is read line by line; a test waits for a line to appear."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while line := await stream.readline():
            text = line.decode(errors="replace").rstrip()
            self.lines.append(text)
            await self._queue.put(text)
        await self._queue.put(None)

    async def wait_for_line(self, pattern: str) -> re.Match[str]:
        """The first line from now on that matches `pattern` (fails if the process ends)."""
        async with asyncio.timeout(BOUND):
            while (line := await self._queue.get()) is not None:
                if match := re.search(pattern, line):
                    return match
        raise AssertionError(f"no line matched {pattern!r}:\n" + "\n".join(self.lines))

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.terminate()
        code = await asyncio.wait_for(self.process.wait(), BOUND)
        await asyncio.wait_for(self._reader, BOUND)
        return code


@contextlib.asynccontextmanager
async def running(*args: str) -> AsyncIterator[Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-u",
        "-m",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ},
    )
    child = Process(process)
    try:
        yield child
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        child._reader.cancel()


def central_command(settings: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "central", "--config", str(settings), *args],
        capture_output=True,
        text=True,
        timeout=BOUND,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def test_a_running_hub_syncs_with_central_by_itself(fleet: Fleet, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    central_db = tmp_path / "central.sqlite3"
    settings = write_settings(fleet, tmp_path / "central", f"sqlite:///{central_db}", port)
    config_path, config = _hub_config(fleet, tmp_path / "hub", "Escuela 14")
    online = OnlineSection(
        central_url=f"http://127.0.0.1:{port}/",
        check_seconds=0.2,
        max_pause_seconds=1.0,
        interval_seconds=0.5,
    )
    config = dataclasses.replace(config, online=online)
    config_path.write_text(render_config(config))
    hub_id = await _first_start(config)
    learner, token = await _register_with_session(config)

    async with (
        running("central", "--config", str(settings), "serve") as central,
        running("hubd", "serve", "--config", str(config_path)) as hub,
    ):
        await central.wait_for_line("Running on")
        url = (await hub.wait_for_line(r"serving at (http://\S+)")).group(1)
        events = [
            {"id": str(uuid.uuid4()), "type": t, "course_id": "c1", "lesson_id": "l1"}
            for t in ("lesson_started", "lesson_completed")
        ]
        await _post_progress(url, token, events)
        # By itself, the hub asks to join, and is refused until an operator approves it.
        await hub.wait_for_line("Request to join sent to central")
        await hub.wait_for_line("refused: This progress bundle comes from a hub that is not")
        assert hub_id in central_command(settings, "enrol", "list")
        central_command(settings, "enrol", "approve", hub_id)
        await hub.wait_for_line(r"Online sync round \d+ .*progress up to number [1-9]")
        assert await hub.stop() == 0
        assert await central.stop() == 0

    with sqlite3.connect(central_db) as conn:
        arrived = conn.execute(
            "SELECT event_type FROM entries WHERE learner_id = ? AND kind = 'event' ORDER BY seq",
            (learner,),
        ).fetchall()
    assert [r[0] for r in arrived] == ["lesson_started", "lesson_completed"]
    fleet_table = central_command(settings, "hubs")
    assert "approved" in fleet_table and "backlog 0" in fleet_table
