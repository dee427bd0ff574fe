"""End to end through real processes and a stick folder.

A learner signs in at hub A (a real `hubd serve`) and learns; a technician's stick visits hub
A and hub B (`hubd sync-stick`), then the connectivity point (`central ingest`, `central enrol
approve`, `central publish`, real processes on SQLite); meanwhile the child moved to hub B. After
the stick's round trip hub B holds the learner with the same progress as hub A and central,
and hub B's daemon starts on that data.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import pytest

from hubd.config import (
    Config,
    FleetSection,
    HubSection,
    StorageSection,
    WebSection,
    render_config,
)
from hubd.fleet import hub_keys, save_trust
from hubd.storage import people
from hubd.storage.identity import ensure_identity
from hubd.storage.roster import NewGroup, NewLearner, add_learners
from hubd.storage.store import Store
from hubd.storage.sync_moves import send_learner_to
from hubd.sync.hlc import HybridClock
from hubd.web.sessions import LEARNER_COOKIE
from tests.integration.central.centralkit import write_settings
from tests.integration.daemon.hub_process import HubProcess
from tests.unit.bundle.bundlekit import Fleet, pub

pytestmark = pytest.mark.slow
WALL = 1_795_000_000_000


def _hub_config(fleet: Fleet, root: Path, name: str) -> tuple[Path, Config]:
    config = Config(
        hub=HubSection(name=name, data_dir=root / "data"),
        web=WebSection(host="127.0.0.1", port=0, shutdown_grace_seconds=5.0),
        storage=StorageSection(min_free_mb=0),
        fleet=FleetSection(id=fleet.trust.fleet, root_public_key=pub(fleet.root)),
    )
    path = root / "hubd.toml"
    root.mkdir(parents=True)
    path.write_text(render_config(config))
    config.data_dir.mkdir()
    # The trust a hub gets from its first content bundle (it names central's key).
    save_trust(config, fleet.trust)
    return path, config


async def _first_start(config: Config) -> str:
    """What the daemon does on first start: its keys, and its identity named after them."""
    keys = hub_keys(config)
    store = await Store.open(config.database_path)
    try:
        identity = await store.write(
            ensure_identity(config.hub.name, HybridClock(), WALL, hub_id=keys.key_id)
        )
    finally:
        await store.close()
    return identity.hub_id


async def _post_progress(url: str, token: str, events: Sequence[object]) -> None:
    """What a learner's browser sends: progress events under the learner's session cookie."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url + "api/v1/progress",
            json={"events": events},
            headers={"Cookie": f"{LEARNER_COOKIE}={token}"},
        ) as response,
    ):
        assert response.status == 200, await response.text()


async def _register_with_session(config: Config) -> tuple[str, str]:
    store = await Store.open(config.database_path)
    try:
        clock = HybridClock()
        identity = await store.write(ensure_identity(config.hub.name, clock, WALL))
        hlc = clock.now(WALL)
        [learner] = await store.write(
            add_learners(
                identity, hlc, [NewLearner("Amina", "g1")], new_groups=[NewGroup("g1", "5B")]
            )
        )
        token = await store.write(people.start_session("learner", learner, clock.now(WALL)))
    finally:
        await store.close()
    return learner, token


async def _send_to(config: Config, learner: str, hub_id: str) -> None:
    store = await Store.open(config.database_path)
    try:
        clock = HybridClock()
        identity = await store.write(ensure_identity(config.hub.name, clock, WALL))
        await store.write(send_learner_to(identity, clock.now(WALL), learner, hub_id))
    finally:
        await store.close()


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _hubd(config: Path, stick: Path) -> str:
    return _run("hubd", "sync-stick", "--config", str(config), str(stick))


def _central(settings: Path, *args: str) -> str:
    return _run("central", "--config", str(settings), *args)


def _progress(config: Config, learner: str) -> tuple[object, ...]:
    conn = sqlite3.connect(config.database_path)
    try:
        row = conn.execute(
            "SELECT l.display_name, sum(p.seconds_spent), max(p.completed_hlc IS NOT NULL)"
            " FROM learners l JOIN lesson_progress p ON p.learner_id = l.learner_id"
            " WHERE l.learner_id = ?",
            (learner,),
        ).fetchone()
    finally:
        conn.close()
    return tuple(row or ())


async def test_a_learners_record_goes_round_the_route_through_real_processes(
    fleet: Fleet, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    config_a_path, config_a = _hub_config(fleet, tmp_path / "hub-a", "Hub A")
    config_b_path, config_b = _hub_config(fleet, tmp_path / "hub-b", "Hub B")
    hub_a = await _first_start(config_a)
    hub_b = await _first_start(config_b)
    learner, token = await _register_with_session(config_a)

    daemon = HubProcess(config_a_path)
    url = await daemon.start()
    try:
        events = [
            {
                "id": str(uuid.uuid4()),
                "type": "lesson_started",
                "course_id": "c1",
                "lesson_id": "l1",
            },
            {
                "id": str(uuid.uuid4()),
                "type": "time_spent",
                "course_id": "c1",
                "lesson_id": "l1",
                "payload": {"seconds": 90},
            },
            {
                "id": str(uuid.uuid4()),
                "type": "lesson_completed",
                "course_id": "c1",
                "lesson_id": "l1",
            },
        ]
        await _post_progress(url, token, events)
    finally:
        assert daemon.process is not None
        daemon.process.terminate()
        assert await daemon.wait() == 0

    # The family moves: the teacher at A says the child now learns at hub B.
    await _send_to(config_a, learner, hub_b)

    # The stick's route: hub A, hub B, the connectivity point, then hub A and hub B again.
    assert "request to join" in _hubd(config_a_path, stick)
    assert "request to join" in _hubd(config_b_path, stick)
    settings = write_settings(fleet, tmp_path / "central", f"sqlite:///{tmp_path}/central.sqlite3")
    first = subprocess.run(
        [sys.executable, "-m", "central", "--config", str(settings), "ingest", str(stick)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 1 and first.stdout.count("asks to join") == 2
    assert "not enrolled" in first.stdout
    waiting = _central(settings, "enrol", "list")
    assert hub_a in waiting and hub_b in waiting
    _central(settings, "enrol", "approve", hub_a)
    _central(settings, "enrol", "approve", hub_b)
    again = _central(settings, "ingest", str(stick))
    assert "Progress from hub" in again
    published = _central(settings, "publish", str(stick))
    assert published.count("reply 1 for hub") == 2

    for config_path in (config_a_path, config_b_path):
        _hubd(config_path, stick)
    assert _progress(config_b, learner) == ("Amina", 90, 1)
    assert _progress(config_b, learner) == _progress(config_a, learner)

    # The next visit to central: both hubs' logs acknowledged, nothing waiting.
    _central(settings, "ingest", str(stick))
    fleet_table = _central(settings, "hubs")
    assert fleet_table.count("approved") == 2 and fleet_table.count("backlog 0") == 2

    # Hub B's daemon serves on the data the stick brought.
    daemon_b = HubProcess(config_b_path)
    url_b = await daemon_b.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(url_b + "api/v1/health") as response,
        ):
            assert response.status == 200
    finally:
        assert daemon_b.process is not None
        daemon_b.process.terminate()
        assert await asyncio.wait_for(daemon_b.wait(), 30) == 0


async def test_an_online_hub_syncs_with_central_serve_over_http(
    fleet: Fleet, tmp_path: Path
) -> None:
    """A real `central serve` and a real `hubd sync-online`: the same bundles over HTTP."""
    stick = tmp_path / "stick"
    stick.mkdir()
    config_path, config = _hub_config(fleet, tmp_path / "hub", "Hub A")
    hub_id = await _first_start(config)
    learner, _ = await _register_with_session(config)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = write_settings(
        fleet, tmp_path / "central", f"sqlite:///{tmp_path}/central.sqlite3", port
    )
    # Enrolment still travels once (on a stick here): an operator approves the hub.
    _hubd(config_path, stick)
    subprocess.run(
        [sys.executable, "-m", "central", "--config", str(settings), "ingest", str(stick)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    _central(settings, "enrol", "approve", hub_id)
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-u",
        "-m",
        "central",
        "--config",
        str(settings),
        "serve",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert server.stdout is not None
        while b"Running on" not in (line := await asyncio.wait_for(server.stdout.readline(), 30)):
            assert line, "central serve exited before it was ready"
        out = _hubd_online(config_path, f"http://127.0.0.1:{port}/")
        assert "round 1:" in out and "progress up to number" in out
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 30)
    table = _central(settings, "hubs")
    assert "approved" in table and "backlog 0" in table
    assert learner


def _hubd_online(config: Path, url: str) -> str:
    return _run("hubd", "sync-online", "--config", str(config), url)
