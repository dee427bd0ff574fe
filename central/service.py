"""The web service's state: config, keys, the thread that owns the database, sign-in throttle."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from aiohttp import web

from central import hubs
from central.config import CentralConfig, CentralKeys
from central.db import Database, open_database
from central.throttle import SignInThrottle
from hubd.bundle import CENTRAL, ReadPolicy

T = TypeVar("T")


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class Central:
    """The service's state. All database work runs on one thread that owns the connection
    (SQLite connections belong to one thread); the event loop never waits on it."""

    def __init__(self, config: CentralConfig, keys: CentralKeys) -> None:
        self.config = config
        self.keys = keys
        self.wall_ms: Callable[[], int] = _wall_ms
        self.monotonic: Callable[[], float] = time.monotonic
        self.throttle = SignInThrottle(lambda: self.monotonic())
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="central-db")
        self._db: Database | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._db = await loop.run_in_executor(self._executor, open_database, self.config.database)

    async def run(self, fn: Callable[[Database], T]) -> T:
        """Run `fn(db)` on the database thread."""
        loop = asyncio.get_running_loop()
        db = self._db
        assert db is not None
        return await loop.run_in_executor(self._executor, fn, db)

    async def close(self) -> None:
        if self._db is not None:
            db = self._db
            self._db = None
            await asyncio.get_running_loop().run_in_executor(self._executor, db.close)
        self._executor.shutdown(wait=True)

    def policy(self, db: Database) -> ReadPolicy:
        return ReadPolicy(
            trust=self.keys.trust,
            me=CENTRAL,
            encryption_key=self.keys.encryption,
            enrolled_hubs=hubs.approved_hubs(db),
            accept_enrol=True,
        )


CENTRAL_KEY = web.AppKey("central", Central)
