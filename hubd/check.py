"""`hubd check`: is this hub's configuration, data directory and database sound?"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass

from hubd.config import Config
from hubd.deps import Deps
from hubd.errors import DatabaseError, DataDirError
from hubd.storage import database


@dataclass(frozen=True, slots=True)
class CheckReport:
    lines: tuple[str, ...]


def check_hub(config: Config, deps: Deps) -> CheckReport:
    """Check without changing anything; raise a HubError naming the first problem and its fix."""
    lines: list[str] = []
    data_dir = config.data_dir
    if not data_dir.is_dir():
        raise DataDirError(
            f"The data directory {data_dir} does not exist. Create it (the hub's first start "
            "does), or set hub.data_dir in the configuration."
        )
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise DataDirError(
            f"The data directory {data_dir} cannot be written. Give it to the user hubd runs as."
        )
    lines.append(f"Data directory {data_dir} is writable.")
    usage = deps.disk_usage(data_dir)
    free_mb = usage.free // (1 << 20)
    if free_mb < config.storage.min_free_mb:
        raise DataDirError(
            f"Only {free_mb} MB is free for {data_dir} (at least {config.storage.min_free_mb} MB "
            "is needed). Remove old courses or free space on the SD card."
        )
    lines.append(f"{free_mb} MB free.")
    db_path = config.database_path
    if not db_path.exists():
        lines.append(f"No database yet at {db_path}: the hub makes it on first start.")
        return CheckReport(tuple(lines))
    try:
        conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise database.describe_sqlite_error(exc, db_path) from exc
    try:
        database.quick_check(conn, db_path, full=True)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise database.describe_sqlite_error(exc, db_path) from exc
    finally:
        conn.close()
    known = database.schema_version()
    if version > known:
        raise DatabaseError(
            f"The database {db_path} was written by a newer hubd (schema {version}, this one "
            f"knows {known}). Install the newer hubd again."
        )
    lines.append(f"Database {db_path} passed its integrity check (schema {version} of {known}).")
    return CheckReport(tuple(lines))
