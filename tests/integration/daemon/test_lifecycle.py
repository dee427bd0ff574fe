"""Start-up, systemd readiness and watchdog, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.integration.daemon.hub_process import (
    HubProcess,
    post_progress_until_refused,
    prepare_hub,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    """A real sd_notify socket, as systemd provides one."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.setblocking(False)
    yield sock
    sock.close()


async def receive(sock: socket.socket, wanted: str, timeout: float = 20) -> list[str]:
    loop = asyncio.get_running_loop()
    seen: list[str] = []
    async with asyncio.timeout(timeout):
        while not any(wanted in s for s in seen):
            seen.append((await loop.sock_recv(sock, 4096)).decode())
    return seen


async def test_ready_and_watchdog_are_sent_to_systemd(
    tmp_path: Path, notify_socket: socket.socket
) -> None:
    config_path, _ = await prepare_hub(tmp_path)
    hub = HubProcess(
        config_path,
        env={"NOTIFY_SOCKET": str(tmp_path / "notify.sock"), "WATCHDOG_USEC": "200000"},
    )
    try:
        url = await hub.start()
        ready = await receive(notify_socket, "READY=1")
        # READY is only sent once the hub answers.
        async with aiohttp.ClientSession() as session:
            response = await session.get(url + "api/v1/health")
            assert response.status == 200
            response.release()
        assert any(url in s for s in ready)
        await receive(notify_socket, "WATCHDOG=1")
        assert hub.process is not None
        hub.process.send_signal(signal.SIGTERM)
        await receive(notify_socket, "STOPPING=1")
        assert await hub.wait() == 0
    finally:
        await hub.kill()


async def test_sigterm_finishes_writes_in_flight_then_exits(tmp_path: Path) -> None:
    config_path, tokens = await prepare_hub(tmp_path, learners=8)
    hub = HubProcess(config_path)
    url = await hub.start()
    acked: set[str] = set()
    loaded = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as session:
            posts = [
                asyncio.create_task(
                    post_progress_until_refused(
                        session, url, t, acked, batch_size=20, enough=(1000, loaded)
                    )
                )
                for t in tokens
            ]
            await asyncio.wait_for(loaded.wait(), 30)
            assert hub.process is not None
            hub.process.send_signal(signal.SIGTERM)
            await asyncio.gather(*posts)
            assert await hub.wait() == 0
    finally:
        await hub.kill()
    assert any("Stopped" in line for line in hub.log)
    assert not any("Traceback" in line for line in hub.log), "\n".join(hub.log)
    conn = sqlite3.connect(tmp_path / "data" / "hub.sqlite3")
    stored = {row[0] for row in conn.execute("SELECT event_id FROM progress_events")}
    conn.close()
    assert acked <= stored, f"{len(acked - stored)} acknowledged events lost"


async def test_port_in_use_is_one_clear_sentence(tmp_path: Path) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    config_path, _ = await prepare_hub(tmp_path)
    config_path.write_text(config_path.read_text().replace("port = 0", f"port = {port}"))
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hubd",
            "serve",
            "--config",
            str(config_path),
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        blocker.close()
    assert proc.returncode == 1
    text = err.decode()
    assert f"Port {port} is already in use" in text
    assert "Traceback" not in text
