"""The programme's figures, per hub and in total, from what central holds.

- registered learners: learners whose home hub is the hub (a merged record is not counted);
- learners enrolled in at least one course: learners with any progress in a course there;
- lessons completed: distinct (learner, course, lesson) completions recorded there
  (central holds no course catalogue, so whole-course completion is left to the hub's reports);
- weekly active learners: learners with progress in the seven days before `now_ms`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import astuple, dataclass, fields

from central.db import Database
from hubd.sync.hlc import pack

WEEK_MS = 7 * 24 * 3600 * 1000
TOTAL = "total"


@dataclass(frozen=True, slots=True)
class HubFigures:
    hub_id: str
    name: str
    registered_learners: int = 0
    enrolled_learners: int = 0
    lessons_completed: int = 0
    weekly_active_learners: int = 0


def programme_figures(db: Database, now_ms: int) -> list[HubFigures]:
    """One row per hub, then the programme's total (learners counted once)."""
    since = pack(max(0, now_ms - WEEK_MS), 0)
    with db.transaction() as tx:
        names = {str(r[0]): str(r[1]) for r in tx.execute("SELECT hub_id, name FROM hubs")}
        merged = {
            str(r[0])
            for r in tx.execute(
                "SELECT learner_id FROM registers WHERE register_key LIKE ? AND value IS NOT NULL",
                ("learner/%/merged_into",),
            )
        }
        homes: dict[str, set[str]] = {}
        for learner, value in tx.execute(
            "SELECT learner_id, value FROM registers WHERE register_key LIKE ?",
            ("learner/%/home_hub",),
        ):
            home = json.loads(value) if value else None
            if isinstance(home, str) and learner not in merged:
                homes.setdefault(home, set()).add(str(learner))
        enrolled = _per_hub(
            tx.execute(
                "SELECT DISTINCT origin_hub, learner_id FROM entries"
                " WHERE kind = 'event' AND course_id IS NOT NULL"
            )
        )
        completed = _per_hub(
            tx.execute(
                "SELECT DISTINCT origin_hub, learner_id || '/' || course_id || '/' || lesson_id"
                " FROM entries WHERE kind = 'event' AND event_type = 'lesson_completed'"
            )
        )
        active = _per_hub(
            tx.execute(
                "SELECT DISTINCT origin_hub, learner_id FROM entries WHERE kind = 'event'"
                " AND hlc >= ?",
                (since,),
            )
        )
    hub_ids = sorted(set(names) | set(homes) | set(enrolled) | set(completed) | set(active))
    rows = [
        HubFigures(
            hub,
            names.get(hub, ""),
            len(homes.get(hub, set())),
            len(enrolled.get(hub, set()) - merged),
            len(completed.get(hub, set())),
            len(active.get(hub, set()) - merged),
        )
        for hub in hub_ids
    ]

    def union(table: dict[str, set[str]], drop: set[str] = merged) -> int:
        return len(set().union(*table.values()) - drop) if table else 0

    rows.append(
        HubFigures(
            TOTAL,
            "All hubs",
            union(homes),
            union(enrolled),
            union(completed, set()),
            union(active),
        )
    )
    return rows


def _per_hub(rows: list[tuple[object, ...]]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for hub, item in rows:
        result.setdefault(str(hub), set()).add(str(item))
    return result


def figures_csv(rows: list[HubFigures]) -> str:
    """The figures as CSV (for a spreadsheet), one header line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.name for f in fields(HubFigures)])
    for row in rows:
        writer.writerow(astuple(row))
    return out.getvalue()
