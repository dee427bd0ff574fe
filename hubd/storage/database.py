"""Opening the hub's SQLite database: pragmas, numbered migrations, integrity checks."""

from __future__ import annotations

import logging
import sqlite3
from importlib import resources
from pathlib import Path

from hubd.errors import DatabaseError, StorageFullError

_LOGGER = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def migrations() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped with this version: (number, name, SQL), in order."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files("hubd.storage.migrations").iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        number = int(name.split("_", 1)[0])
        found.append((number, name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    # Numbers only grow; gaps are allowed so that parts developed side by side (teachers,
    # sync) can each take a range without renumbering.
    if len(set(numbers)) != len(numbers) or (numbers and numbers[0] < 1):
        raise AssertionError(f"migration numbers must be unique and positive: {numbers}")
    return found


def schema_version() -> int:
    """The schema version this code writes: the number of its last migration."""
    known = migrations()
    return known[-1][0] if known else 0


def connect_writer(path: Path) -> sqlite3.Connection:
    """The one connection that writes: WAL, synchronous=FULL, explicit transactions."""
    conn = _connect(path)
    try:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise DatabaseError(
                f"The database {path} cannot use write-ahead logging (mode {mode})."
            )
        # FULL: a commit is on the card before the writer acknowledges it (a power cut loses
        # no acknowledged learner progress). Group commit keeps this affordable.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        conn.close()
        raise describe_sqlite_error(exc, path) from exc
    except UnicodeDecodeError as exc:  # a damaged header can turn a pragma's answer to noise
        conn.close()
        raise _damaged(path, "unreadable settings") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def connect_reader(path: Path, *, same_thread: bool = False) -> sqlite3.Connection:
    """A read-only connection; in WAL mode it never waits for the writer."""
    conn = _connect(path, check_same_thread=same_thread)
    conn.execute("PRAGMA query_only=ON")
    return conn


def _connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            path,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=check_same_thread,
        )
    except sqlite3.Error as exc:
        raise describe_sqlite_error(exc, path) from exc
    conn.row_factory = sqlite3.Row
    return conn


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the schema up to date; each migration is one transaction. Returns the version."""
    try:
        current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise describe_sqlite_error(exc, path) from exc
    known = migrations()
    latest = known[-1][0] if known else 0
    if current > latest:
        raise DatabaseError(
            f"The database {path} was written by a newer version of hubd (schema {current}, "
            f"this version knows {latest}). Install the newer hubd again."
        )
    for number, name, sql in known:
        if number <= current:
            continue
        _LOGGER.info("Applying database migration %s", name)
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={number};\nCOMMIT;")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise describe_sqlite_error(exc, path) from exc
    return latest


def quick_check(conn: sqlite3.Connection, path: Path, *, full: bool = False) -> None:
    """Refuse to run on a damaged database file."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.DatabaseError as exc:
        raise describe_sqlite_error(exc, path) from exc
    except UnicodeDecodeError as exc:
        raise _damaged(path, "unreadable pages") from exc
    problems = [str(r[0]) for r in rows if str(r[0]) != "ok"]
    if problems:
        _LOGGER.error("Integrity check of %s failed: %s", path, "; ".join(problems[:20]))
        raise DatabaseError(
            f"The database {path} is damaged ({problems[0]}). Restore it from a backup, or move "
            "it aside to start an empty hub; learner progress not yet synced would be lost."
        )


def _damaged(path: Path, detail: str) -> DatabaseError:
    return DatabaseError(
        f"The database {path} is damaged ({detail}). Restore it from a backup, or move it "
        "aside to start an empty hub."
    )


def describe_sqlite_error(exc: sqlite3.Error, path: Path) -> DatabaseError | StorageFullError:
    """Turn an sqlite3 error into one sentence for the person at the hub."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "disk is full" in text:
        return StorageFullError(
            "The hub's storage is full: nothing was saved. Remove old courses or free space on "
            "the SD card, then try again."
        )
    if "file is not a database" in text or "malformed" in text:
        return DatabaseError(
            f"The database {path} is damaged ({text}). Restore it from a backup, or move it "
            "aside to start an empty hub."
        )
    if "unable to open" in text or "readonly" in text:
        return DatabaseError(
            f"The database {path} cannot be opened for writing ({text}). Check that the data "
            "directory exists and belongs to the user hubd runs as."
        )
    return DatabaseError(f"The database {path} could not be used: {text}.")
