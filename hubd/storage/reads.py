"""Reads in one trip to the reader's thread.

aiosqlite runs each call on the connection's own thread: `execute` and then `fetchall` are two
hand-offs between threads, each a wake-up and a GIL hand-over that cost more than the query
itself on a hub's small tables. These helpers fetch the rows in the same hand-off as the query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any, Protocol


class ReadConnection(Protocol):
    """What a read function needs: an aiosqlite connection, or the store's quick reader."""

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> Iterable[sqlite3.Row]: ...


class QuickReader:
    """Small indexed reads done on the event loop's own thread, with no hand-off at all.

    A lookup by primary key on a hub's tables takes tens of microseconds, far less than the
    two thread switches that sending it to a reader thread costs; in WAL mode it never waits
    for the writer. Only for such reads: searches and reports go to the reader threads.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> Iterable[sqlite3.Row]:
        return self._conn.execute(sql, tuple(parameters or ())).fetchall()


async def fetch_all(
    db: ReadConnection, sql: str, parameters: Iterable[Any] = ()
) -> list[sqlite3.Row]:
    """Every row of a query."""
    return list(await db.execute_fetchall(sql, parameters))


async def fetch_one(
    db: ReadConnection, sql: str, parameters: Iterable[Any] = ()
) -> sqlite3.Row | None:
    """The first row of a query (which should ask for one), or None."""
    rows = list(await db.execute_fetchall(sql, parameters))
    return rows[0] if rows else None
