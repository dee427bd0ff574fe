"""Learners, groups, membership and assignments, as teachers edit them.

Every edit is also logged as a register change (last-writer-wins, keyed like
`learner/<id>/display_name`) under the hub's sequence, which events share, so that the edit
travels to central and other hubs like an event does. Login-card secrets never become registers.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import aiosqlite

from hubd.errors import BadRequest, NotFound
from hubd.storage.identity import HubIdentity

# One rule for every register change, the same as imports use (ties by hub id, then value).
from hubd.storage.sync_moves import log_change as _change

SIGN_IN_STYLES = ("pin", "picture", "none")
T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], T]


# Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Group:
    group_id: str
    name: str
    sign_in: str
    archived: bool
    learner_count: int


@dataclass(frozen=True, slots=True)
class LearnerRow:
    learner_id: str
    display_name: str
    language: str | None
    active: bool
    locked: bool
    groups: tuple[tuple[str, str], ...]  # (group id, name)
    secrets_pending: bool
    has_card: bool

    @property
    def group_names(self) -> str:
        return ", ".join(name for _, name in self.groups)


@dataclass(frozen=True, slots=True)
class Assignment:
    assignment_id: str
    course_id: str
    course_title: str
    lesson_id: str | None
    lesson_title: str | None
    due_date: str | None


@dataclass(frozen=True, slots=True)
class Card:
    learner_id: str
    display_name: str
    group_name: str
    sign_in: str
    pin: str | None
    pictures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PendingSecret:
    learner_id: str
    pin: str | None
    pictures: str | None
    sign_in: str  # the learner's group's style: only that secret is hashed (and works)


def _group(row: aiosqlite.Row) -> Group:
    return Group(str(row[0]), str(row[1]), str(row[2]), bool(row[3]), int(row[4]))


_GROUP_SELECT = (
    "SELECT g.group_id, g.name, g.sign_in, g.archived,"
    " (SELECT count(*) FROM group_members m JOIN learners l ON l.learner_id = m.learner_id"
    "  WHERE m.group_id = g.group_id AND l.active = 1)"
    " FROM learner_groups g"
)


async def list_groups(db: aiosqlite.Connection, *, archived: bool = False) -> list[Group]:
    """Groups by name; archived ones only when asked."""
    cursor = await db.execute(
        _GROUP_SELECT + " WHERE g.archived = ? ORDER BY g.name COLLATE NOCASE", (int(archived),)
    )
    return [_group(r) for r in await cursor.fetchall()]


async def get_group(db: aiosqlite.Connection, group_id: str) -> Group:
    """One group, or NotFound."""
    cursor = await db.execute(_GROUP_SELECT + " WHERE g.group_id = ?", (group_id,))
    row = await cursor.fetchone()
    if row is None:
        raise NotFound("There is no such group on this hub.")
    return _group(row)


async def group_ids_by_name(db: aiosqlite.Connection) -> dict[str, str]:
    """{name: group id} of groups not archived (for matching a CSV's group column)."""
    cursor = await db.execute("SELECT group_id, name FROM learner_groups WHERE archived = 0")
    return {str(r[1]): str(r[0]) for r in await cursor.fetchall()}


async def names_in_groups(db: aiosqlite.Connection) -> set[tuple[str, str]]:
    """(group id, learner name) of active learners, to catch duplicates early."""
    cursor = await db.execute(
        "SELECT m.group_id, l.display_name FROM group_members m"
        " JOIN learners l ON l.learner_id = m.learner_id WHERE l.active = 1"
    )
    return {(str(r[0]), str(r[1])) for r in await cursor.fetchall()}


async def list_learners(
    db: aiosqlite.Connection,
    *,
    group_id: str | None = None,
    search: str = "",
    inactive: bool = False,
    limit: int = 500,
) -> list[LearnerRow]:
    """Learners by name, optionally of one group or matching typed text."""
    cursor = await db.execute(
        "SELECT l.learner_id, l.display_name, l.language, l.active, l.signin_locked,"
        " l.secrets_pending, (l.card_pin IS NOT NULL OR l.card_pictures IS NOT NULL),"
        " (SELECT json_group_array(json_array(g.group_id, g.name)) FROM group_members m"
        "  JOIN learner_groups g ON g.group_id = m.group_id WHERE m.learner_id = l.learner_id)"
        " FROM learners l WHERE l.active = ? AND l.merged_into IS NULL"
        " AND (? IS NULL OR l.learner_id IN"
        "  (SELECT learner_id FROM group_members WHERE group_id = ?))"
        " AND (? = '' OR instr(lower(l.display_name), lower(?)) > 0)"
        " ORDER BY l.display_name COLLATE NOCASE LIMIT ?",
        (int(not inactive), group_id, group_id, search, search, limit),
    )
    return [_learner_row(r) for r in await cursor.fetchall()]


def _learner_row(r: aiosqlite.Row) -> LearnerRow:
    groups = tuple((str(g), str(n)) for g, n in json.loads(r[7] or "[]"))
    return LearnerRow(
        str(r[0]), str(r[1]), r[2], bool(r[3]), bool(r[4]), groups, bool(r[5]), bool(r[6])
    )


async def merged_into(db: aiosqlite.Connection, learner_id: str) -> str | None:
    """The record this learner's record was merged into, or None (also for no such learner)."""
    cursor = await db.execute(
        "SELECT merged_into FROM learners WHERE learner_id = ?", (learner_id,)
    )
    row = await cursor.fetchone()
    return None if row is None or row[0] is None else str(row[0])


async def get_learner(db: aiosqlite.Connection, learner_id: str) -> LearnerRow:
    """One learner, or NotFound."""
    cursor = await db.execute(
        "SELECT l.learner_id, l.display_name, l.language, l.active, l.signin_locked,"
        " l.secrets_pending, (l.card_pin IS NOT NULL OR l.card_pictures IS NOT NULL),"
        " (SELECT json_group_array(json_array(g.group_id, g.name)) FROM group_members m"
        "  JOIN learner_groups g ON g.group_id = m.group_id WHERE m.learner_id = l.learner_id)"
        " FROM learners l WHERE l.learner_id = ?",
        (learner_id,),
    )
    row = await cursor.fetchone()
    if row is None:
        raise NotFound("There is no such learner on this hub.")
    return _learner_row(row)


async def list_assignments(db: aiosqlite.Connection, group_id: str) -> list[Assignment]:
    """What a group has to do: whole courses and chosen lessons, by due date."""
    cursor = await db.execute(
        "SELECT a.assignment_id, a.course_id, coalesce(c.title, a.course_id), a.lesson_id,"
        " l.title, a.due_date FROM assignments a"
        " LEFT JOIN courses c ON c.course_id = a.course_id"
        " LEFT JOIN lessons l ON l.course_id = a.course_id AND l.lesson_id = a.lesson_id"
        " WHERE a.group_id = ? AND a.removed = 0"
        " ORDER BY a.due_date IS NULL, a.due_date, c.title COLLATE NOCASE, l.position",
        (group_id,),
    )
    return [
        Assignment(str(r[0]), str(r[1]), str(r[2]), r[3], r[4], r[5])
        for r in await cursor.fetchall()
    ]


async def cards(
    db: aiosqlite.Connection, group_id: str, learner_ids: Sequence[str] | None = None
) -> list[Card]:
    """Login cards of a group's active learners (all, or the chosen ones), by name."""
    cursor = await db.execute(
        "SELECT l.learner_id, l.display_name, g.name, g.sign_in, l.card_pin, l.card_pictures"
        " FROM group_members m JOIN learners l ON l.learner_id = m.learner_id"
        " JOIN learner_groups g ON g.group_id = m.group_id"
        " WHERE m.group_id = ? AND l.active = 1 ORDER BY l.display_name COLLATE NOCASE",
        (group_id,),
    )
    wanted = set(learner_ids) if learner_ids is not None else None
    return [
        Card(str(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], tuple((r[5] or "").split()))
        for r in await cursor.fetchall()
        if wanted is None or str(r[0]) in wanted
    ]


async def pending_secrets(db: aiosqlite.Connection, limit: int = 50) -> list[PendingSecret]:
    """Learners whose sign-in hashes are still to be made."""
    cursor = await db.execute(
        "SELECT l.learner_id, l.card_pin, l.card_pictures, coalesce((SELECT g.sign_in"
        "  FROM group_members m JOIN learner_groups g ON g.group_id = m.group_id"
        "  WHERE m.learner_id = l.learner_id LIMIT 1), 'none')"
        " FROM learners l WHERE l.secrets_pending = 1 LIMIT ?",
        (limit,),
    )
    return [PendingSecret(str(r[0]), r[1], r[2], str(r[3])) for r in await cursor.fetchall()]


async def count_pending_secrets(db: aiosqlite.Connection) -> int:
    cursor = await db.execute("SELECT count(*) FROM learners WHERE secrets_pending = 1")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


# Writing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewLearner:
    display_name: str
    group_id: str
    language: str | None = None
    pin: str | None = None
    pictures: str | None = None  # two picture keys separated by a space, in order
    learner_id: str = ""


@dataclass(frozen=True, slots=True)
class NewGroup:
    group_id: str
    name: str
    sign_in: str = "pin"


def _rehash(conn: sqlite3.Connection, where: str, value: str) -> None:
    """The sign-in style of these learners may have changed: hash their card secret again."""
    conn.execute(
        "UPDATE learners SET secrets_pending = 1 WHERE (card_pin IS NOT NULL"  # noqa: S608
        f" OR card_pictures IS NOT NULL) AND {where}",
        (value,),
    )


_MEMBERS_OF = "learner_id IN (SELECT learner_id FROM group_members WHERE group_id = ?)"
_LEARNER = "learner_id = ?"


def _require_group(conn: sqlite3.Connection, group_id: str) -> None:
    if conn.execute("SELECT 1 FROM learner_groups WHERE group_id = ?", (group_id,)).fetchone():
        return
    raise NotFound("There is no such group on this hub.")


def _require_learner(conn: sqlite3.Connection, learner_id: str) -> None:
    if conn.execute("SELECT 1 FROM learners WHERE learner_id = ?", (learner_id,)).fetchone():
        return
    raise NotFound("There is no such learner on this hub.")


def _insert_group(conn: sqlite3.Connection, hub: HubIdentity, hlc: int, group: NewGroup) -> None:
    if group.sign_in not in SIGN_IN_STYLES:
        raise BadRequest("Choose how the group signs in: PIN, pictures or just their name.")
    clash = conn.execute(
        "SELECT 1 FROM learner_groups WHERE archived = 0 AND name = ? COLLATE NOCASE",
        (group.name,),
    ).fetchone()
    if clash:
        raise BadRequest("There is already a group with that name.")
    conn.execute(
        "INSERT INTO learner_groups (group_id, name, sign_in, updated_hlc) VALUES (?, ?, ?, ?)",
        (group.group_id, group.name, group.sign_in, hlc),
    )
    _change(conn, hub, hlc, f"group/{group.group_id}/name", group.name)
    _change(conn, hub, hlc, f"group/{group.group_id}/sign_in", group.sign_in)


def add_group(hub: HubIdentity, hlc: int, group: NewGroup) -> Callable[[sqlite3.Connection], str]:
    """A write function: a new group; returns its id."""

    def write(conn: sqlite3.Connection) -> str:
        _insert_group(conn, hub, hlc, group)
        return group.group_id

    return write


def add_learners(
    hub: HubIdentity,
    hlc: int,
    learners: Sequence[NewLearner],
    *,
    new_groups: Sequence[NewGroup] = (),
) -> Callable[[sqlite3.Connection], list[str]]:
    """A write function: register learners (and the groups they need) all at once, or none.

    Their login secrets are kept for the cards and hashed later (see `store_hashes`)."""

    def write(conn: sqlite3.Connection) -> list[str]:
        for group in new_groups:
            _insert_group(conn, hub, hlc, group)
        ids: list[str] = []
        for learner in learners:
            learner_id = learner.learner_id or str(uuid.uuid4())
            _require_group(conn, learner.group_id)
            pending = int(learner.pin is not None or learner.pictures is not None)
            conn.execute(
                "INSERT INTO learners (learner_id, display_name, language, home_hub, updated_hlc,"
                " card_pin, card_pictures, secrets_pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    learner_id,
                    learner.display_name,
                    learner.language,
                    hub.hub_id,
                    hlc,
                    learner.pin,
                    learner.pictures,
                    pending,
                ),
            )
            conn.execute(
                "INSERT INTO group_members (group_id, learner_id) VALUES (?, ?)",
                (learner.group_id, learner_id),
            )
            _change(conn, hub, hlc, f"learner/{learner_id}/display_name", learner.display_name)
            _change(conn, hub, hlc, f"learner/{learner_id}/home_hub", hub.hub_id)
            if learner.language:
                _change(conn, hub, hlc, f"learner/{learner_id}/language", learner.language)
            _change(conn, hub, hlc, f"member/{learner.group_id}/{learner_id}", True)
            ids.append(learner_id)
        return ids

    return write


def update_learner(
    hub: HubIdentity, hlc: int, learner_id: str, display_name: str, language: str | None
) -> Callable[[sqlite3.Connection], None]:
    """A write function: a learner's name and language."""

    def write(conn: sqlite3.Connection) -> None:
        old = conn.execute(
            "SELECT display_name, language FROM learners WHERE learner_id = ?", (learner_id,)
        ).fetchone()
        if old is None:
            raise NotFound("There is no such learner on this hub.")
        conn.execute(
            "UPDATE learners SET display_name = ?, language = ?, updated_hlc = ?"
            " WHERE learner_id = ?",
            (display_name, language, hlc, learner_id),
        )
        if old[0] != display_name:
            _change(conn, hub, hlc, f"learner/{learner_id}/display_name", display_name)
        if old[1] != language:
            _change(conn, hub, hlc, f"learner/{learner_id}/language", language)

    return write


def set_learner_active(
    hub: HubIdentity, hlc: int, learner_id: str, active: bool
) -> Callable[[sqlite3.Connection], None]:
    """A write function: deactivate a learner (their sessions close) or bring them back.

    Their progress stays: it belongs to the learner's record, which may travel."""

    def write(conn: sqlite3.Connection) -> None:
        _require_learner(conn, learner_id)
        conn.execute(
            "UPDATE learners SET active = ?, updated_hlc = ? WHERE learner_id = ?",
            (int(active), hlc, learner_id),
        )
        if not active:
            conn.execute(
                "DELETE FROM sessions WHERE kind = 'learner' AND subject_id = ?", (learner_id,)
            )
        _change(conn, hub, hlc, f"learner/{learner_id}/active", active)

    return write


def move_learners(
    hub: HubIdentity, hlc: int, learner_ids: Iterable[str], from_group: str, to_group: str
) -> Callable[[sqlite3.Connection], int]:
    """A write function: move learners from one group to another; returns how many moved."""

    def write(conn: sqlite3.Connection) -> int:
        _require_group(conn, from_group)
        _require_group(conn, to_group)
        moved = 0
        for learner_id in learner_ids:
            gone = conn.execute(
                "DELETE FROM group_members WHERE group_id = ? AND learner_id = ?",
                (from_group, learner_id),
            ).rowcount
            if not gone or from_group == to_group:
                continue
            conn.execute(
                "INSERT OR IGNORE INTO group_members (group_id, learner_id) VALUES (?, ?)",
                (to_group, learner_id),
            )
            _change(conn, hub, hlc, f"member/{from_group}/{learner_id}", None)
            _change(conn, hub, hlc, f"member/{to_group}/{learner_id}", True)
            _rehash(conn, _LEARNER, learner_id)
            moved += 1
        return moved

    return write


def set_learner_group(
    hub: HubIdentity, hlc: int, learner_id: str, group_id: str
) -> Callable[[sqlite3.Connection], None]:
    """A write function: make `group_id` the learner's only group."""

    def write(conn: sqlite3.Connection) -> None:
        _require_learner(conn, learner_id)
        _require_group(conn, group_id)
        current = [
            str(r[0])
            for r in conn.execute(
                "SELECT group_id FROM group_members WHERE learner_id = ?", (learner_id,)
            )
        ]
        for old in current:
            if old != group_id:
                conn.execute(
                    "DELETE FROM group_members WHERE group_id = ? AND learner_id = ?",
                    (old, learner_id),
                )
                _change(conn, hub, hlc, f"member/{old}/{learner_id}", None)
        if group_id not in current:
            conn.execute(
                "INSERT INTO group_members (group_id, learner_id) VALUES (?, ?)",
                (group_id, learner_id),
            )
            _change(conn, hub, hlc, f"member/{group_id}/{learner_id}", True)
            _rehash(conn, _LEARNER, learner_id)

    return write


def set_secrets(
    learner_secrets: Sequence[tuple[str, str, str]],
) -> Callable[[sqlite3.Connection], None]:
    """A write function: new card secrets (learner id, PIN, pictures); this also unlocks the
    learner's sign-in. The hashes follow in the background."""

    def write(conn: sqlite3.Connection) -> None:
        for learner_id, pin, pictures in learner_secrets:
            conn.execute(
                "UPDATE learners SET card_pin = ?, card_pictures = ?, secrets_pending = 1,"
                " failed_signins = 0, signin_locked = 0 WHERE learner_id = ?",
                (pin, pictures, learner_id),
            )

    return write


def store_hashes(
    secret: PendingSecret, pin_hash: str | None, picture_hash: str | None
) -> Callable[[sqlite3.Connection], bool]:
    """A write function: the hashes of a learner's card secrets, unless the card or the group's
    sign-in style changed meanwhile (then it stays pending). Returns whether they were stored."""

    def write(conn: sqlite3.Connection) -> bool:
        return (
            conn.execute(
                "UPDATE learners SET pin_hash = ?, picture = ?, secrets_pending = 0"
                " WHERE learner_id = ? AND card_pin IS ? AND card_pictures IS ?"
                " AND coalesce((SELECT g.sign_in FROM group_members m JOIN learner_groups g"
                "  ON g.group_id = m.group_id WHERE m.learner_id = learners.learner_id"
                "  LIMIT 1), 'none') = ?",
                (
                    pin_hash,
                    picture_hash,
                    secret.learner_id,
                    secret.pin,
                    secret.pictures,
                    secret.sign_in,
                ),
            ).rowcount
            == 1
        )

    return write


def update_group(
    hub: HubIdentity, hlc: int, group_id: str, name: str, sign_in: str
) -> Callable[[sqlite3.Connection], None]:
    """A write function: rename a group or change how it signs in."""

    def write(conn: sqlite3.Connection) -> None:
        if sign_in not in SIGN_IN_STYLES:
            raise BadRequest("Choose how the group signs in: PIN, pictures or just their name.")
        old = conn.execute(
            "SELECT name, sign_in FROM learner_groups WHERE group_id = ?", (group_id,)
        ).fetchone()
        if old is None:
            raise NotFound("There is no such group on this hub.")
        clash = conn.execute(
            "SELECT 1 FROM learner_groups WHERE archived = 0 AND name = ? COLLATE NOCASE"
            " AND group_id != ?",
            (name, group_id),
        ).fetchone()
        if clash:
            raise BadRequest("There is already a group with that name.")
        conn.execute(
            "UPDATE learner_groups SET name = ?, sign_in = ?, updated_hlc = ? WHERE group_id = ?",
            (name, sign_in, hlc, group_id),
        )
        if old[0] != name:
            _change(conn, hub, hlc, f"group/{group_id}/name", name)
        if old[1] != sign_in:
            _change(conn, hub, hlc, f"group/{group_id}/sign_in", sign_in)
            _rehash(conn, _MEMBERS_OF, group_id)

    return write


def set_group_archived(
    hub: HubIdentity, hlc: int, group_id: str, archived: bool
) -> Callable[[sqlite3.Connection], None]:
    """A write function: archive a group (it leaves the sign-in page; its data stays)."""

    def write(conn: sqlite3.Connection) -> None:
        _require_group(conn, group_id)
        conn.execute(
            "UPDATE learner_groups SET archived = ?, updated_hlc = ? WHERE group_id = ?",
            (int(archived), hlc, group_id),
        )
        _change(conn, hub, hlc, f"group/{group_id}/archived", archived)

    return write


def assign(
    hub: HubIdentity,
    hlc: int,
    group_id: str,
    course_id: str,
    lesson_ids: Sequence[str],
    due_date: str | None,
) -> Callable[[sqlite3.Connection], int]:
    """A write function: give a group a whole course (no lessons chosen) or chosen lessons,
    with an optional due date. Assigning the same thing again updates its due date."""

    def write(conn: sqlite3.Connection) -> int:
        _require_group(conn, group_id)
        if not conn.execute("SELECT 1 FROM courses WHERE course_id = ?", (course_id,)).fetchone():
            raise NotFound("There is no such course on this hub.")
        known = {
            str(r[0])
            for r in conn.execute("SELECT lesson_id FROM lessons WHERE course_id = ?", (course_id,))
        }
        if any(lesson not in known for lesson in lesson_ids):
            raise BadRequest("One of the chosen lessons is not in that course.")
        targets: list[str | None] = list(lesson_ids) or [None]
        for lesson_id in targets:
            row = conn.execute(
                "SELECT assignment_id FROM assignments WHERE group_id = ? AND course_id = ?"
                " AND lesson_id IS ? AND removed = 0",
                (group_id, course_id, lesson_id),
            ).fetchone()
            assignment_id = str(row[0]) if row else uuid.uuid4().hex
            if row:
                conn.execute(
                    "UPDATE assignments SET due_date = ?, updated_hlc = ? WHERE assignment_id = ?",
                    (due_date, hlc, assignment_id),
                )
            else:
                conn.execute(
                    "INSERT INTO assignments (assignment_id, group_id, course_id, lesson_id,"
                    " due_date, updated_hlc) VALUES (?, ?, ?, ?, ?, ?)",
                    (assignment_id, group_id, course_id, lesson_id, due_date, hlc),
                )
            value = {
                "group_id": group_id,
                "course_id": course_id,
                "lesson_id": lesson_id,
                "due_date": due_date,
            }
            _change(conn, hub, hlc, f"assignment/{assignment_id}", value)
        return len(targets)

    return write


def unassign(
    hub: HubIdentity, hlc: int, group_id: str, assignment_id: str
) -> Callable[[sqlite3.Connection], None]:
    """A write function: take an assignment back (a tombstone, so the removal travels)."""

    def write(conn: sqlite3.Connection) -> None:
        cursor = conn.execute(
            "UPDATE assignments SET removed = 1, updated_hlc = ?"
            " WHERE assignment_id = ? AND group_id = ? AND removed = 0",
            (hlc, assignment_id, group_id),
        )
        if cursor.rowcount != 1:
            raise NotFound("That assignment is not there any more.")
        _change(conn, hub, hlc, f"assignment/{assignment_id}", None)

    return write
