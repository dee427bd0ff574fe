"""Reads in one trip to the reader's thread.

aiosqlite runs each call on the connection's own thread: `execute` and then `fetchall` are two
hand-offs between threads, each a wake-up and a GIL hand-over that cost more than the query
itself on a hub's small tables. These helpers fetch the rows in the same hand-off as the query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import aiosqlite


async def fetch_all(
    db: aiosqlite.Connection, sql: str, parameters: Iterable[Any] = ()
) -> list[sqlite3.Row]:
    """Every row of a query."""
    return list(await db.execute_fetchall(sql, parameters))


async def fetch_one(
    db: aiosqlite.Connection, sql: str, parameters: Iterable[Any] = ()
) -> sqlite3.Row | None:
    """The first row of a query (which should ask for one), or None."""
    rows = list(await db.execute_fetchall(sql, parameters))
    return rows[0] if rows else None
