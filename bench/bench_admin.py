"""The teachers' pages under a big school: CSV import of 1,000 learners, and report pages.

Prints figures; never passes or fails.

1. A 1,000-row class list: parse alone, the preview page, saving (one transaction), and how
   long until every learner's PIN and pictures are hashed in the background.
2. Report pages over a hub with those learners and a term of progress events: the group page
   (every learner and course), a learner's page, the hub reports, the CSV download.

Run: .venv/bin/python bench/bench_admin.py [--learners 1000] [--events-per-learner 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubd.config import Config, HubSection, StorageSection, WebSection
from hubd.content.install import install_folder
from hubd.resources import samples_dir
from hubd.roster.csv_import import parse_class_list
from hubd.storage import progress
from hubd.sync.events import NewEvent
from hubd.web import keys
from hubd.web.app import create_app

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "bench password 1"
DAY_MS = 86_400_000


def class_list(rows: int) -> bytes:
    lines = ["Nombre;Apellidos;Grupo;PIN"]
    lines += [f"Alumno{i};Pérez {i};Grupo {i % 5 + 1};{i % 10000:04d}" for i in range(rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


async def csrf(client: TestClient[aiohttp.web.Request, aiohttp.web.Application], path: str) -> str:
    match = CSRF_RE.search(await (await client.get(path)).text())
    assert match
    return match.group(1)


async def timed(label: str, coro_factory, repeat: int = 1) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await coro_factory()
        times.append(time.perf_counter() - start)
    value = statistics.median(times)
    print(
        f"  {label:<46} {value * 1000:8.1f} ms" + (f" (median of {repeat})" if repeat > 1 else "")
    )
    return value


async def run(learners: int, events_per_learner: int) -> None:
    data = class_list(learners)
    print(f"CSV import: {learners} rows, {len(data) / 1024:.0f} KiB")
    start = time.perf_counter()
    preview = parse_class_list(data, default_group=None, languages=["en", "es"])
    print(f"  {'parse alone':<46} {(time.perf_counter() - start) * 1000:8.1f} ms")
    assert len(preview.rows) == learners

    with tempfile.TemporaryDirectory() as tmp:
        config = Config(
            hub=HubSection(name="Bench", data_dir=Path(tmp) / "data"),
            web=WebSection(host="127.0.0.1", port=0, max_request_bytes=8 << 20),
            storage=StorageSection(min_free_mb=0),
        )
        async with TestClient(TestServer(create_app(config))) as client:
            app = client.app
            token = await csrf(client, "/setup")
            await client.post(
                "/setup",
                data={
                    "csrf": token,
                    "display_name": "Bench",
                    "username": "bench",
                    "password": PASSWORD,
                    "password2": PASSWORD,
                },
            )
            form = aiohttp.FormData(
                {"csrf": await csrf(client, "/admin/import"), "group": "", "sign_in": "pin"}
            )
            form.add_field("file", data, filename="school.csv", content_type="text/csv")
            start = time.perf_counter()
            page = await client.post("/admin/import", data=form)
            body = await page.text()
            print(
                f"  {'upload and preview page':<46} {(time.perf_counter() - start) * 1000:8.1f} ms"
            )
            import html

            text = html.unescape(re.search(r'name="text" value="([^"]*)"', body).group(1))  # type: ignore[union-attr]
            start = time.perf_counter()
            saved = await client.post(
                "/admin/import/confirm",
                data={
                    "csrf": await csrf(client, "/admin/import"),
                    "text": text,
                    "group": "",
                    "sign_in": "pin",
                },
            )
            assert saved.status == 200, await saved.text()
            saved_at = time.perf_counter() - start
            print(f"  {'save (one transaction) and show the group':<46} {saved_at * 1000:8.1f} ms")
            await app[keys.SECRET_HASHER].wait_idle()
            print(
                f"  {'until every PIN and picture is hashed':<46} "
                f"{(time.perf_counter() - start) * 1000:8.1f} ms (in the background)"
            )

            for folder in sorted(samples_dir().iterdir()):
                if (folder / "course.json").is_file():
                    await install_folder(
                        app[keys.STORE],
                        app[keys.BLOBS],
                        app[keys.CLOCK],
                        app[keys.DEPS].wall_ms(),
                        folder,
                    )
            async with app[keys.STORE].reader() as db:
                ids = [
                    str(r[0])
                    for r in await (await db.execute("SELECT learner_id FROM learners")).fetchall()
                ]
                cursor = await db.execute(
                    "SELECT group_id FROM learner_groups ORDER BY name LIMIT 1"
                )
                first_group = await cursor.fetchone()
                assert first_group is not None
                group_id = str(first_group[0])
                lessons = [
                    (str(r[0]), str(r[1]), r[2])
                    for r in await (
                        await db.execute("SELECT course_id, lesson_id, assessment FROM lessons")
                    ).fetchall()
                ]
            print(
                f"\nReports: {len(ids)} learners, {len(ids) * events_per_learner} events "
                f"over 12 weeks, {len(lessons)} lessons in 3 courses"
            )
            base = app[keys.DEPS].wall_ms() - 84 * DAY_MS
            for offset in range(0, len(ids), 100):
                batch = []
                for n, learner_id in enumerate(ids[offset : offset + 100]):
                    for k in range(events_per_learner):
                        course_id, lesson_id, assessment = lessons[(n + k) % len(lessons)]
                        if assessment in ("pre", "post"):
                            kind, payload = (
                                "quiz_scored",
                                {"score": k % 5, "max": 5, "assessment": assessment},
                            )
                        else:
                            kind, payload = (
                                ("lesson_completed", {})
                                if k % 2
                                else ("time_spent", {"seconds": 60})
                            )
                        batch.append(
                            NewEvent(
                                str(uuid.uuid4()),
                                learner_id,
                                kind,
                                course_id,
                                lesson_id,
                                json.dumps(payload),
                            )
                        )
                wall = base + (offset // 100) * 8 * DAY_MS
                await app[keys.STORE].write(
                    progress.append_events(batch, app[keys.IDENTITY], app[keys.CLOCK], wall)
                )

            async def get(path: str) -> None:
                response = await client.get(path)
                assert response.status == 200, path
                await response.read()

            await timed(
                "group page (200 learners, all courses)",
                lambda: get(f"/admin/groups/{group_id}"),
                5,
            )
            await timed(
                "group page, one month",
                lambda: get(f"/admin/groups/{group_id}?from=2000-01-01&to=2100-01-31"),
                5,
            )
            await timed(
                "group details as CSV",
                lambda: get(f"/admin/groups/{group_id}?format=csv&table=details"),
                5,
            )
            await timed("learner page", lambda: get(f"/admin/learners/{ids[0]}"), 5)
            await timed("learners list (all)", lambda: get("/admin/learners"), 5)
            await timed("hub reports (weekly, most used)", lambda: get("/admin/reports"), 5)
            await timed("hub page", lambda: get("/admin/hub"), 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--events-per-learner", type=int, default=60)
    args = parser.parse_args()
    asyncio.run(run(args.learners, args.events_per_learner))


if __name__ == "__main__":
    main()
