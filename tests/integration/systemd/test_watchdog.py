"""The watchdog: pings while the hub can serve, none while its event loop or its database
hangs, so that systemd restarts a hub that stopped answering."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from hubd.config import Config
from hubd.deps import Deps
from hubd.web import keys
from hubd.web.app import create_app

INTERVAL = 0.05  # seconds between pings (systemd: WatchdogSec / 2)
BOUND = 10.0


class WatchdogRecorder:
    """A notifier that keeps the time of every WATCHDOG=1, as systemd would see them."""

    def __init__(self) -> None:
        self.pings: list[float] = []
        self._new_ping = asyncio.Event()

    @property
    def watchdog_interval(self) -> float | None:
        return INTERVAL

    def notify(self, state: str) -> bool:
        if "WATCHDOG=1" in state:
            self.pings.append(time.monotonic())
            self._new_ping.set()
        return True

    async def wait_for_pings(self, count: int, after: float = 0.0) -> None:
        async with asyncio.timeout(BOUND):
            while sum(1 for t in self.pings if t > after) < count:
                self._new_ping.clear()
                await self._new_ping.wait()

    def pings_between(self, start: float, end: float) -> list[float]:
        return [t for t in self.pings if start < t < end]


@asynccontextmanager
async def running_hub(config: Config, recorder: WatchdogRecorder) -> AsyncIterator[None]:
    runner = web.AppRunner(create_app(config, Deps(notifier=recorder)))
    await runner.setup()
    try:
        yield
    finally:
        await runner.cleanup()


async def test_pings_stop_while_the_event_loop_hangs_and_resume_after(config: Config) -> None:
    recorder = WatchdogRecorder()
    async with running_hub(config, recorder):
        await recorder.wait_for_pings(3)
        hang_start = time.monotonic()
        time.sleep(10 * INTERVAL)  # the hang under test: a blocking call on the event loop
        hang_end = time.monotonic()
        await recorder.wait_for_pings(2, after=hang_end)
    assert recorder.pings_between(hang_start, hang_end) == []


async def test_pings_stop_while_the_database_does_not_answer(config: Config) -> None:
    recorder = WatchdogRecorder()
    app = create_app(config, Deps(notifier=recorder))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await recorder.wait_for_pings(3)
        # Every database connection is stuck (a query that never ends, a card that stalls):
        # the watchdog task cannot get its answer, so it does not ping.
        async with contextlib.AsyncExitStack() as stuck:
            for _ in range(config.storage.readers):
                await stuck.enter_async_context(app[keys.STORE].reader())
            stuck_from = time.monotonic() + INTERVAL  # a ping already under way may land
            await asyncio.sleep(20 * INTERVAL)  # the outage under test lasts this long
            stuck_until = time.monotonic()
        await recorder.wait_for_pings(2, after=stuck_until)
    finally:
        await runner.cleanup()
    assert recorder.pings_between(stuck_from, stuck_until) == []
