"""Run the real daemon as a child process, the way systemd would."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from hubd.config import Config, HubSection, StorageSection, WebSection, render_config
from hubd.storage import people
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock
from hubd.web.sessions import LEARNER_COOKIE

READY_RE = re.compile(r"serving at (http://\S+)")


@dataclass
class HubProcess:
    config_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None
    url: str = ""
    log: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    async def start(self, timeout: float = 30) -> str:
        self.log = []
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hubd",
            "serve",
            "--config",
            str(self.config_path),
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, **self.env},
        )
        ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read_log(ready))
        self.url = await asyncio.wait_for(ready, timeout)
        return self.url

    async def _read_log(self, ready: asyncio.Future[str]) -> None:
        assert self.process is not None and self.process.stderr is not None
        while line := await self.process.stderr.readline():
            text = line.decode(errors="replace").rstrip()
            self.log.append(text)
            match = READY_RE.search(text)
            if match and not ready.done():
                ready.set_result(match.group(1))
        if not ready.done():
            ready.set_exception(
                RuntimeError("hubd exited before it was ready:\n" + "\n".join(self.log))
            )

    async def wait(self, timeout: float = 30) -> int:
        assert self.process is not None
        code = await asyncio.wait_for(self.process.wait(), timeout)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, timeout)
        return code

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            with contextlib.suppress(TimeoutError):
                await self.wait()


async def post_progress_until_refused(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    acked: set[str],
    *,
    batch_size: int = 5,
    stop: asyncio.Event | None = None,
    enough: tuple[int, asyncio.Event] | None = None,
) -> None:
    """Post batches of events as a learner's browser would, recording the ids of every batch
    the hub acknowledged, until the hub stops answering (or `stop` is set). `enough` is set
    once that many events have been acknowledged in all, so a test can wait for it."""
    while stop is None or not stop.is_set():
        batch = [
            {
                "id": str(uuid.uuid4()),
                "type": "lesson_started",
                "course_id": "c1",
                "lesson_id": "l1",
            }
            for _ in range(batch_size)
        ]
        try:
            async with session.post(
                url + "api/v1/progress",
                json={"events": batch},
                headers={"Cookie": f"{LEARNER_COOKIE}={token}"},
            ) as response:
                if response.status != 200:
                    return
                acked.update(e["id"] for e in batch)
                if enough is not None and len(acked) >= enough[0]:
                    enough[1].set()
        except (aiohttp.ClientError, OSError):
            return


async def prepare_hub(tmp_path: Path, learners: int = 0) -> tuple[Path, list[str]]:
    """A data directory and config; returns the config path and learners' session tokens."""
    data_dir = tmp_path / "data"
    config = Config(
        hub=HubSection(name="Process Hub", data_dir=data_dir),
        web=WebSection(host="127.0.0.1", port=0, shutdown_grace_seconds=5.0),
        storage=StorageSection(min_free_mb=0),
    )
    config_path = tmp_path / "hubd.toml"
    config_path.write_text(render_config(config))
    data_dir.mkdir(parents=True, exist_ok=True)
    tokens: list[str] = []
    store = await Store.open(config.database_path)
    try:
        clock = HybridClock()
        identity = await store.write(ensure_identity(config.hub.name, clock, 1_795_000_000_000))
        for index in range(learners):
            learner_id = str(uuid.uuid4())
            hlc = clock.now(1_795_000_000_000)
            await store.write(
                people.add_learner(learner_id, f"Learner {index}", identity.hub_id, hlc)
            )
            tokens.append(await store.write(people.start_session("learner", learner_id, hlc)))
    finally:
        await store.close()
    return config_path, tokens
