"""Learners, groups, staff accounts and sign-in sessions."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import aiosqlite

from hubd.storage.reads import ReadConnection, fetch_one


@dataclass(frozen=True, slots=True)
class Session:
    kind: str
    subject_id: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_learner(
    learner_id: str, display_name: str, home_hub: str, hlc: int, *, group_id: str | None = None
) -> Callable[[sqlite3.Connection], None]:
    """A write function: register a learner (optionally in a group)."""

    def write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO learners (learner_id, display_name, home_hub, updated_hlc)"
            " VALUES (?, ?, ?, ?)",
            (learner_id, display_name, home_hub, hlc),
        )
        if group_id is not None:
            conn.execute(
                "INSERT INTO group_members (group_id, learner_id) VALUES (?, ?)",
                (group_id, learner_id),
            )

    return write


def add_group(
    group_id: str, name: str, hlc: int, *, sign_in: str = "pin"
) -> Callable[[sqlite3.Connection], None]:
    """A write function: make a group of learners."""

    def write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO learner_groups (group_id, name, sign_in, updated_hlc) VALUES (?, ?, ?, ?)",
            (group_id, name, sign_in, hlc),
        )

    return write


def add_staff(
    staff_id: str, username: str, display_name: str, password_hash: str, role: str, hlc: int
) -> Callable[[sqlite3.Connection], None]:
    """A write function: make a hub administrator or teacher account."""

    def write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO staff (staff_id, username, display_name, password_hash, role, created_hlc)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (staff_id, username, display_name, password_hash, role, hlc),
        )

    return write


def start_session(kind: str, subject_id: str, hlc: int) -> Callable[[sqlite3.Connection], str]:
    """A write function: open a session and return its secret token (kept only as a hash)."""

    def write(conn: sqlite3.Connection) -> str:
        token = secrets.token_urlsafe(32)
        conn.execute(
            "INSERT INTO sessions (token_hash, kind, subject_id, created_hlc, last_seen_hlc)"
            " VALUES (?, ?, ?, ?, ?)",
            (_token_hash(token), kind, subject_id, hlc, hlc),
        )
        return token

    return write


async def find_session(db: ReadConnection, token: str) -> Session | None:
    """The session a cookie's token belongs to, if it is still open."""
    if not token or len(token) > 128:
        return None
    row = await fetch_one(
        db,
        "SELECT s.kind, s.subject_id FROM sessions s"
        " LEFT JOIN learners l ON s.kind = 'learner' AND l.learner_id = s.subject_id"
        " LEFT JOIN staff t ON s.kind = 'staff' AND t.staff_id = s.subject_id"
        " WHERE s.token_hash = ? AND coalesce(l.active, t.active) = 1",
        (_token_hash(token),),
    )
    return None if row is None else Session(str(row[0]), str(row[1]))


async def count_staff(db: aiosqlite.Connection) -> int:
    cursor = await db.execute("SELECT count(*) FROM staff")
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])
