"""Opening and closing the app many times leaks no file descriptors or threads."""

from __future__ import annotations

import os
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from hubd.config import Config
from hubd.deps import Deps
from hubd.web.app import create_app


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_app_opened_and_closed_many_times_leaks_nothing(config: Config, deps: Deps) -> None:
    async def cycle() -> None:
        async with TestClient(TestServer(create_app(config, deps))) as client:
            assert (await client.get("/api/v1/health")).status == 200
            assert (await client.get("/")).status == 200

    await cycle()  # the first start creates the database
    baseline = open_fds()
    for _ in range(25):
        await cycle()
    assert open_fds() <= baseline + 2


async def test_startup_failure_closes_what_it_opened(config: Config, deps: Deps) -> None:
    config.data_dir.mkdir(parents=True)
    (config.data_dir / "hub.sqlite3").write_bytes(b"not a database" * 100)
    baseline = open_fds()
    for _ in range(5):
        server = TestServer(create_app(config, deps))
        try:
            await server.start_server()
        except Exception as exc:
            assert "is damaged" in str(exc)
        finally:
            await server.close()
    assert open_fds() <= baseline + 2
    assert Path(config.data_dir / "hub.sqlite3").read_bytes() == b"not a database" * 100
