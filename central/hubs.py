"""The fleet as central knows it: enrolment requests, approval, and each hub's state."""

from __future__ import annotations

from dataclasses import dataclass

from central.db import Database, Tx
from hubd.bundle import EnrolmentRequest


class UnknownHub(Exception):
    """An operator named a hub that never asked to enrol."""


@dataclass(frozen=True, slots=True)
class HubRow:
    hub_id: str
    name: str
    status: str
    requested_ms: int
    last_seen_ms: int | None
    epoch: int
    last_seq: int
    acked_seq: int
    software: str

    @property
    def backlog(self) -> int:
        """Entries the hub has issued in its epoch that central does not hold yet."""
        return max(0, self.last_seq - self.acked_seq)


def record_request(tx: Tx, request: EnrolmentRequest, wall_ms: int) -> bool:
    """Keep an enrolment request for an operator; returns whether it is new.

    A hub that asks again changes nothing: an approved hub stays approved, a refused one
    refused (an operator can still approve it)."""
    rows = tx.execute(
        "INSERT INTO hubs (hub_id, name, signing_key, encryption_key, status, requested_ms)"
        " VALUES (?, ?, ?, ?, 'waiting', ?) ON CONFLICT DO NOTHING RETURNING hub_id",
        (request.key_id, request.hub_name, request.signing_key, request.encryption_key, wall_ms),
    )
    return bool(rows)


def decide(db: Database, hub_id: str, approve: bool, wall_ms: int) -> None:
    """An operator approves or refuses a hub (a refused hub's bundles are not accepted)."""
    with db.transaction() as tx:
        rows = tx.execute(
            "UPDATE hubs SET status = ?, decided_ms = ? WHERE hub_id = ? RETURNING hub_id",
            ("approved" if approve else "refused", wall_ms, hub_id),
        )
    if not rows:
        raise UnknownHub(f"No hub {hub_id} has asked to enrol; check the id (central enrol list).")


def approved_hubs(db: Database) -> frozenset[str]:
    """Key ids of approved hubs: their progress bundles are accepted."""
    with db.transaction() as tx:
        rows = tx.execute("SELECT hub_id FROM hubs WHERE status = 'approved'")
    return frozenset(str(r[0]) for r in rows)


def encryption_key_of(tx: Tx, hub_id: str) -> str | None:
    row = tx.one(
        "SELECT encryption_key FROM hubs WHERE hub_id = ? AND status = 'approved'", (hub_id,)
    )
    return None if row is None else str(row[0])


def list_hubs(db: Database) -> list[HubRow]:
    """Every hub, waiting ones first, then by name."""
    with db.transaction() as tx:
        rows = tx.execute(
            "SELECT h.hub_id, h.name, h.status, h.requested_ms, h.last_seen_ms, h.epoch,"
            " h.last_seq, coalesce(v.max_seq, 0), h.software FROM hubs h"
            " LEFT JOIN vectors v ON v.origin_hub = h.hub_id AND v.epoch = h.epoch"
            " ORDER BY CASE h.status WHEN 'waiting' THEN 0 ELSE 1 END, h.name, h.hub_id"
        )
    return [
        HubRow(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            int(r[3]),
            None if r[4] is None else int(r[4]),
            int(r[5]),
            int(r[6]),
            int(r[7]),
            str(r[8]),
        )
        for r in rows
    ]
