"""The store: one writer thread that group-commits, and a pool of readers.

Writes are plain functions over a sqlite3 connection, queued and run by one thread inside
`BEGIN IMMEDIATE` (the Datasette model). Whatever is queued while a commit is on its way to the
card goes into the next transaction together, so one fsync acknowledges many writes: an SD
card's slow fsync costs per commit, not per event. Each write runs in its own savepoint, so one
bad write fails alone and the rest of its batch still commits. Readers use their own
connections; in WAL mode they never wait for the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from hubd.errors import HubError
from hubd.storage import database
from hubd.storage.reads import QuickReader

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], T]


class ShuttingDown(HubError):
    status = 503
    code = "shutting_down"


@dataclass(slots=True)
class WriterStats:
    """Counters for health pages and benchmarks."""

    commits: int = 0
    writes: int = 0
    failed_writes: int = 0


@dataclass(slots=True)
class _Job:
    fn: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any]


class Store:
    """The hub's database. Open with `await Store.open(path)`, close with `await store.close()`."""

    def __init__(self, path: Path, *, readers: int = 2, max_batch: int = 2000) -> None:
        self.path = path
        self.stats = WriterStats()
        self._max_batch = max_batch
        self._reader_count = readers
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubd-writer")
        self._conn: sqlite3.Connection | None = None
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._quick: sqlite3.Connection | None = None
        self._closing = False

    @classmethod
    async def open(cls, path: Path, *, readers: int = 2, max_batch: int = 2000) -> Store:
        """Open (creating if needed), check and migrate the database, then start the writer."""
        store = cls(path, readers=readers, max_batch=max_batch)
        try:
            await store._start()
        except BaseException:
            await store.close()
            raise
        return store

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        self._conn = await loop.run_in_executor(self._executor, self._open_writer)
        for _ in range(self._reader_count):
            reader = await aiosqlite.connect(self.path, isolation_level=None)
            reader.row_factory = aiosqlite.Row
            await reader.execute("PRAGMA query_only=ON")
            self._all_readers.append(reader)
            self._readers.put_nowait(reader)
        # Made on the loop's thread, used only there (sqlite3 checks that).
        self._quick = database.connect_reader(self.path, same_thread=True)
        self._writer_task = asyncio.create_task(self._write_loop(), name="hubd-store-writer")

    def _open_writer(self) -> sqlite3.Connection:
        conn = database.connect_writer(self.path)
        try:
            database.quick_check(conn, self.path)
            database.migrate(conn, self.path)
        except BaseException:
            conn.close()
            raise
        return conn

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in the next group commit; return once its transaction is durable."""
        if self._closing or self._writer_task is None:
            raise ShuttingDown("The hub is shutting down; try again in a moment.")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(fn, future))
        return await future

    @contextlib.asynccontextmanager
    async def quick_reader(self) -> AsyncIterator[QuickReader]:
        """A reader for small indexed lookups, run right on the event loop (see QuickReader)."""
        if self._quick is None:
            raise ShuttingDown("The hub is shutting down; try again in a moment.")
        yield QuickReader(self._quick)

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[aiosqlite.Connection]:
        """Borrow a read-only connection from the pool."""
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            job = await self._queue.get()
            batch = [job]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                results = await loop.run_in_executor(self._executor, self._run_batch, batch)
            except BaseException as exc:  # the whole transaction failed (disk full, I/O error)
                error = self._describe(exc)
                for j in batch:
                    if not j.future.done():
                        j.future.set_exception(error)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for j, (ok, value) in zip(batch, results, strict=True):
                if j.future.done():  # the caller gave up waiting; the write still happened
                    continue
                if ok:
                    j.future.set_result(value)
                else:
                    j.future.set_exception(value)

    def _describe(self, exc: BaseException) -> BaseException:
        if isinstance(exc, sqlite3.Error):
            _LOGGER.error("Group commit failed: %s", exc)
            return database.describe_sqlite_error(exc, self.path)
        return exc

    def _run_batch(self, batch: list[_Job]) -> list[tuple[bool, Any]]:
        conn = self._conn
        assert conn is not None
        results: list[tuple[bool, Any]] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for job in batch:
                conn.execute("SAVEPOINT job")
                try:
                    value = job.fn(conn)
                except Exception as exc:
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    results.append((False, self._describe(exc)))
                    self.stats.failed_writes += 1
                else:
                    conn.execute("RELEASE job")
                    results.append((True, value))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self.stats.commits += 1
        self.stats.writes += len(batch)
        return results

    async def close(self) -> None:
        """Finish every write queued so far, then close all connections."""
        self._closing = True
        task = self._writer_task
        if task is not None:
            if not task.done():
                # The queue is first in, first out: once this marker is done, every write
                # queued before shutdown began has been committed (or has failed).
                marker: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._queue.put_nowait(_Job(lambda _conn: None, marker))
                with contextlib.suppress(Exception):
                    await marker
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._writer_task = None
        if self._quick is not None:
            self._quick.close()
            self._quick = None
        for reader in self._all_readers:
            await reader.close()
        self._all_readers.clear()
        if self._conn is not None:
            conn = self._conn
            self._conn = None
            await asyncio.get_running_loop().run_in_executor(self._executor, conn.close)
        self._executor.shutdown(wait=True)
