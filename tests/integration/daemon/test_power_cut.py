"""A power cut (SIGKILL) while a classroom posts progress loses no acknowledged write."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from tests.integration.daemon.hub_process import (
    HubProcess,
    post_progress_until_refused,
    prepare_hub,
)

pytestmark = pytest.mark.slow


async def test_sigkill_during_load_keeps_every_acknowledged_event(tmp_path: Path) -> None:
    config_path, tokens = await prepare_hub(tmp_path, learners=16)
    hub = HubProcess(config_path)
    url = await hub.start()
    acked: set[str] = set()
    stop = asyncio.Event()
    loaded = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as session:
            clients = [
                asyncio.create_task(
                    post_progress_until_refused(
                        session, url, token, acked, stop=stop, enough=(3000, loaded)
                    )
                )
                for token in tokens
            ]
            await asyncio.wait_for(loaded.wait(), 60)
            await hub.kill()  # the power is cut mid-load: no shutdown code runs
            stop.set()
            await asyncio.gather(*clients)
    finally:
        await hub.kill()
    assert len(acked) >= 3000

    # Power comes back: the hub starts, and every acknowledged event is there.
    hub = HubProcess(config_path)
    await hub.start()
    try:
        conn = sqlite3.connect(tmp_path / "data" / "hub.sqlite3")
        stored = {row[0] for row in conn.execute("SELECT event_id FROM progress_events")}
        seqs = [row[0] for row in conn.execute("SELECT seq FROM progress_events ORDER BY seq")]
        conn.close()
    finally:
        if hub.process is not None:
            hub.process.terminate()
        with contextlib.suppress(TimeoutError):
            await hub.wait()
    missing = acked - stored
    assert not missing, f"{len(missing)} acknowledged events lost"
    assert seqs == list(range(1, len(seqs) + 1)), "sequence numbers must stay gapless"
