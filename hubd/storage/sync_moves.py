"""Teachers' actions that make a learner's record travel: sending a learner to another hub,
and merging two records of the same child. Both are register changes, logged under the hub's
sequence like every edit, so they reach central and every hub that holds the learner."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from hubd.errors import BadRequest, NotFound
from hubd.storage.identity import HubIdentity
from hubd.storage.sync_import import project_learners
from hubd.sync.rules import register_wins


def log_change(
    conn: sqlite3.Connection, hub: HubIdentity, hlc: int, key: str, value: object | None
) -> None:
    """Log one register change with the hub's next sequence and apply it last-writer-wins."""
    seq = int(
        conn.execute(
            "UPDATE hub SET last_seq = last_seq + 1, hlc_floor = max(hlc_floor, ?)"
            " RETURNING last_seq",
            (hlc,),
        ).fetchone()[0]
    )
    text = None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    conn.execute(
        "INSERT INTO register_changes (origin_hub, epoch, seq, register_key, value, hlc)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (hub.hub_id, hub.epoch, seq, key, text, hlc),
    )
    row = conn.execute(
        "SELECT hlc, origin_hub, value FROM registers WHERE register_key = ?", (key,)
    ).fetchone()
    old = None if row is None else (int(row[0]), str(row[1]), row[2])
    if register_wins((hlc, hub.hub_id, text), old):
        conn.execute(
            "INSERT INTO registers (register_key, value, hlc, origin_hub) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (register_key) DO UPDATE SET value = excluded.value,"
            " hlc = excluded.hlc, origin_hub = excluded.origin_hub",
            (key, text, hlc, hub.hub_id),
        )


def _require_learner(conn: sqlite3.Connection, learner_id: str) -> None:
    if not conn.execute("SELECT 1 FROM learners WHERE learner_id = ?", (learner_id,)).fetchone():
        raise NotFound("There is no such learner on this hub.")


def send_learner_to(
    hub: HubIdentity, hlc: int, learner_id: str, new_home_hub: str
) -> Callable[[sqlite3.Connection], None]:
    """A write function: the learner moved to another hub; their record follows them there."""

    def write(conn: sqlite3.Connection) -> None:
        _require_learner(conn, learner_id)
        if not new_home_hub.isalnum() or len(new_home_hub) > 64:
            raise BadRequest("Name the hub the learner moved to by its id.")
        log_change(conn, hub, hlc, f"learner/{learner_id}/home_hub", new_home_hub)
        project_learners(conn, [learner_id])

    return write


def merge_learners(
    hub: HubIdentity, hlc: int, keep_id: str, merged_id: str
) -> Callable[[sqlite3.Connection], None]:
    """A write function: two records are the same child; `merged_id` now points at `keep_id`.

    Nothing is deleted: the merged record's events stay its own, and every view that counts
    learners follows `merged_into`. The merge travels like any edit."""

    def write(conn: sqlite3.Connection) -> None:
        if keep_id == merged_id:
            raise BadRequest("Choose two different learners to merge.")
        _require_learner(conn, keep_id)
        _require_learner(conn, merged_id)
        log_change(conn, hub, hlc, f"learner/{merged_id}/merged_into", keep_id)
        project_learners(conn, [merged_id])  # follows the merge and derives progress again

    return write
