"""Operators of central's pages: accounts with argon2id passwords, and sign-in sessions.

Passwords are hashed with the same argon2id settings hubd uses for staff passwords (OWASP's
minimum: 19 MiB, two passes). A session is a random token in a cookie; the database keeps only
its sha256, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from central.db import Database

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD = 10
MAX_PASSWORD = 200
SESSION_HOURS = 12


class OperatorError(Exception):
    """A plain sentence for the person at the command line or the sign-in page."""


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    created_ms: int


def clean_name(name: str) -> str:
    """An operator's name: 2 to 40 characters, no spaces, compared as typed (NFC)."""
    value = unicodedata.normalize("NFC", name).strip()
    if not 2 <= len(value) <= 40 or any(ch.isspace() for ch in value):
        raise OperatorError("An operator's name has 2 to 40 letters or digits, without spaces.")
    return value


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise OperatorError(f"The password must have at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise OperatorError("That password is too long.")


def set_operator(db: Database, name: str, password: str, now_ms: int) -> bool:
    """Add an operator, or give an existing one a new password (which ends their sessions).
    Returns True when the operator is new."""
    name = clean_name(name)
    check_new_password(password)
    password_hash = HASHER.hash(password)
    with db.transaction() as tx:
        known = tx.one("SELECT 1 FROM operators WHERE name = ?", (name,)) is not None
        tx.execute(
            "INSERT INTO operators (name, password_hash, created_ms) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash",
            (name, password_hash, now_ms),
        )
        tx.execute("DELETE FROM operator_sessions WHERE operator = ?", (name,))
    return not known


def remove_operator(db: Database, name: str) -> None:
    """Remove an operator and end their sessions."""
    with db.transaction() as tx:
        if tx.one("SELECT 1 FROM operators WHERE name = ?", (name,)) is None:
            raise OperatorError(f"There is no operator named {name}.")
        tx.execute("DELETE FROM operator_sessions WHERE operator = ?", (name,))
        tx.execute("DELETE FROM operators WHERE name = ?", (name,))


def list_operators(db: Database) -> list[Operator]:
    with db.transaction() as tx:
        rows = tx.execute("SELECT name, created_ms FROM operators ORDER BY name")
    return [Operator(str(r[0]), int(r[1])) for r in rows]


def stored_hash(db: Database, name: str) -> str | None:
    """The operator's password hash (read on the database thread; checked off it)."""
    with db.transaction() as tx:
        row = tx.one("SELECT password_hash FROM operators WHERE name = ?", (name,))
    return None if row is None else str(row[0])


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the operator's; slow on purpose (argon2id), whatever the case."""
    try:
        return HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Checked when the name is unknown, so a wrong name takes as long as a wrong password."""
    return HASHER.hash(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, name: str, now_ms: int) -> str:
    """A new session for the operator; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    with db.transaction() as tx:
        tx.execute("DELETE FROM operator_sessions WHERE expires_ms < ?", (now_ms,))
        tx.execute(
            "INSERT INTO operator_sessions (token_hash, operator, expires_ms) VALUES (?, ?, ?)",
            (_digest(token), name, now_ms + SESSION_HOURS * 3_600_000),
        )
    return token


def session_operator(db: Database, token: str, now_ms: int) -> str | None:
    """The operator signed in with this token, if the session is still open."""
    with db.transaction() as tx:
        row = tx.one(
            "SELECT s.operator FROM operator_sessions s JOIN operators o ON o.name = s.operator"
            " WHERE s.token_hash = ? AND s.expires_ms >= ?",
            (_digest(token), now_ms),
        )
    return None if row is None else str(row[0])


def end_session(db: Database, token: str) -> None:
    with db.transaction() as tx:
        tx.execute("DELETE FROM operator_sessions WHERE token_hash = ?", (_digest(token),))
