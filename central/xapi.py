"""Progress events as xAPI statements, for programmes that run a learning record store.

The mapping is pure; :func:`export_statements` streams them from central's database as
newline-delimited JSON. Learners are accounts on the programme's home page (never names), the
statement id is derived from the event id, so exporting twice gives the same statements.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from central.db import Database
from hubd.sync.hlc import unpack

ADL = "http://adlnet.gov/expapi/verbs/"
_VERBS = {
    "lesson_started": ("initialized", "initialized"),
    "lesson_completed": ("completed", "completed"),
    "time_spent": ("experienced", "experienced"),
    "media_position": ("progressed", "progressed"),
    "answer": ("answered", "answered"),
    "quiz_scored": ("scored", "scored"),
}
_NAMESPACE = uuid.UUID("6f0b6f5e-4a9f-4f33-9b54-6c1c1f1f0a11")


def statement(record: dict[str, Any], home_page: str, activity_base: str) -> dict[str, Any]:
    """One xAPI 1.0.3 statement for one event record (as central stores it)."""
    verb_id, display = _VERBS[record["event"]]
    wall_ms, _ = unpack(int(record["hlc"]))
    lesson = f"{activity_base}/course/{record['course']}/lesson/{record['lesson']}"
    payload = record.get("payload") or {}
    result: dict[str, Any] = {}
    if record["event"] == "quiz_scored":
        result["score"] = {
            "raw": payload["score"],
            "min": 0,
            "max": payload["max"],
            "scaled": round(payload["score"] / payload["max"], 4),
        }
    elif record["event"] == "lesson_completed":
        result["completion"] = True
    elif record["event"] == "time_spent":
        result["duration"] = f"PT{int(payload['seconds'])}S"
    elif record["event"] == "answer":
        result["success"] = bool(payload["correct"])
    out: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, str(record["id"]))),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": home_page, "name": record["learner"]},
        },
        "verb": {"id": ADL + verb_id, "display": {"en-US": display}},
        "object": {"objectType": "Activity", "id": lesson},
        "timestamp": datetime.fromtimestamp(wall_ms / 1000, UTC).isoformat(timespec="milliseconds"),
        "context": {
            "platform": "Learning Hub",
            "extensions": {f"{activity_base}/extension/hub": record["origin"]},
        },
    }
    if result:
        out["result"] = result
    return out


def export_statements(db: Database, home_page: str, activity_base: str) -> Iterator[bytes]:
    """Every event central holds as an xAPI statement line, in central's order of arrival."""
    with db.transaction() as tx:
        for (record,) in tx.stream("SELECT record FROM entries WHERE kind = 'event' ORDER BY cseq"):
            item = statement(json.loads(str(record)), home_page, activity_base)
            yield json.dumps(item, ensure_ascii=False, sort_keys=True).encode() + b"\n"
