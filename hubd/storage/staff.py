"""Staff accounts (the hub administrator and teachers) and their sign-in sessions."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import aiosqlite

from hubd.errors import HubError
from hubd.storage.people import start_session

ROLES = ("admin", "teacher")


class UsernameTaken(HubError):
    status = 409
    code = "username_taken"


class SetupDone(HubError):
    status = 409
    code = "setup_done"


@dataclass(frozen=True, slots=True)
class StaffMember:
    staff_id: str
    username: str
    display_name: str
    role: str
    active: bool
    failed_logins: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class StaffLogin:
    """What checking a password needs."""

    member: StaffMember
    password_hash: str


@dataclass(frozen=True, slots=True)
class StaffSession:
    member: StaffMember
    created_hlc: int


_COLUMNS = "staff_id, username, display_name, role, active, failed_logins"


def _member(row: sqlite3.Row | aiosqlite.Row | tuple[object, ...]) -> StaffMember:
    return StaffMember(
        str(row[0]), str(row[1]), str(row[2]), str(row[3]), bool(row[4]), int(str(row[5]))
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_member(
    staff_id: str,
    username: str,
    display_name: str,
    password_hash: str,
    role: str,
    hlc: int,
    *,
    only_if_first: bool = False,
) -> Callable[[sqlite3.Connection], None]:
    """A write function: a new staff account. `only_if_first` is the first-run setup, which
    must not run twice even when two browsers submit it at the same moment."""

    def write(conn: sqlite3.Connection) -> None:
        if only_if_first and conn.execute("SELECT count(*) FROM staff").fetchone()[0]:
            raise SetupDone("This hub already has an administrator. Sign in instead.")
        taken = conn.execute(
            "SELECT 1 FROM staff WHERE username = ? COLLATE NOCASE", (username,)
        ).fetchone()
        if taken:
            raise UsernameTaken("That username is already taken. Choose another one.")
        conn.execute(
            "INSERT INTO staff (staff_id, username, display_name, password_hash, role, created_hlc)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (staff_id, username, display_name, password_hash, role, hlc),
        )

    return write


async def login_record(db: aiosqlite.Connection, username: str) -> StaffLogin | None:
    """The account behind a username (any case), with its password hash."""
    cursor = await db.execute(
        f"SELECT {_COLUMNS}, password_hash FROM staff WHERE username = ? COLLATE NOCASE",  # noqa: S608
        (username,),
    )
    row = await cursor.fetchone()
    return None if row is None else StaffLogin(_member(row), str(row[6]))


async def get_member(db: aiosqlite.Connection, staff_id: str) -> StaffMember | None:
    cursor = await db.execute(
        f"SELECT {_COLUMNS} FROM staff WHERE staff_id = ?",  # noqa: S608
        (staff_id,),
    )
    row = await cursor.fetchone()
    return None if row is None else _member(row)


async def list_members(db: aiosqlite.Connection) -> list[StaffMember]:
    """Every staff account: administrators first, then by name."""
    cursor = await db.execute(
        f"SELECT {_COLUMNS} FROM staff"  # noqa: S608
        " ORDER BY role = 'admin' DESC, display_name COLLATE NOCASE"
    )
    return [_member(r) for r in await cursor.fetchall()]


def record_failed_login(staff_id: str) -> Callable[[sqlite3.Connection], int]:
    """A write function: count a wrong password; returns the count so far."""

    def write(conn: sqlite3.Connection) -> int:
        conn.execute(
            "UPDATE staff SET failed_logins = failed_logins + 1 WHERE staff_id = ?", (staff_id,)
        )
        row = conn.execute(
            "SELECT failed_logins FROM staff WHERE staff_id = ?", (staff_id,)
        ).fetchone()
        return int(row[0]) if row else 0

    return write


def record_login(
    staff_id: str, hlc: int, *, replaces: str | None
) -> Callable[[sqlite3.Connection], str]:
    """A write function: a fresh session for a correct password; returns its token.

    The token is always new (no session fixation); a session the browser already held is
    closed in the same transaction."""
    open_session = start_session("staff", staff_id, hlc)

    def write(conn: sqlite3.Connection) -> str:
        conn.execute("UPDATE staff SET failed_logins = 0 WHERE staff_id = ?", (staff_id,))
        if replaces:
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(replaces),))
        return open_session(conn)

    return write


async def find_session(db: aiosqlite.Connection, token: str) -> StaffSession | None:
    """The active staff account behind a session token, if the session is open."""
    if not token or len(token) > 128:
        return None
    cursor = await db.execute(
        "SELECT t.staff_id, t.username, t.display_name, t.role, t.active, t.failed_logins,"
        " s.created_hlc FROM sessions s JOIN staff t ON t.staff_id = s.subject_id"
        " WHERE s.token_hash = ? AND s.kind = 'staff' AND t.active = 1",
        (token_hash(token),),
    )
    row = await cursor.fetchone()
    return None if row is None else StaffSession(_member(row), int(row[6]))


def end_session(token: str) -> Callable[[sqlite3.Connection], None]:
    """A write function: sign out."""

    def write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "DELETE FROM sessions WHERE token_hash = ? AND kind = 'staff'", (token_hash(token),)
        )

    return write


def set_password(staff_id: str, password_hash: str) -> Callable[[sqlite3.Connection], bool]:
    """A write function: a new password, which also unlocks the account and signs it out
    everywhere. Returns False when there is no such account."""

    def write(conn: sqlite3.Connection) -> bool:
        cursor = conn.execute(
            "UPDATE staff SET password_hash = ?, failed_logins = 0 WHERE staff_id = ?",
            (password_hash, staff_id),
        )
        conn.execute("DELETE FROM sessions WHERE kind = 'staff' AND subject_id = ?", (staff_id,))
        return cursor.rowcount == 1

    return write


def set_active(staff_id: str, active: bool) -> Callable[[sqlite3.Connection], None]:
    """A write function: let a teacher sign in, or stop them (their sessions close)."""

    def write(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE staff SET active = ? WHERE staff_id = ?", (int(active), staff_id))
        if not active:
            conn.execute(
                "DELETE FROM sessions WHERE kind = 'staff' AND subject_id = ?", (staff_id,)
            )

    return write


def find_by_username(username: str) -> Callable[[sqlite3.Connection], StaffMember | None]:
    """A write-connection read for the console tool, which has no reader pool."""

    def read(conn: sqlite3.Connection) -> StaffMember | None:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM staff WHERE username = ? COLLATE NOCASE",  # noqa: S608
            (username,),
        ).fetchone()
        return None if row is None else _member(row)

    return read
