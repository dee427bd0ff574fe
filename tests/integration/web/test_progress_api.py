"""Progress from learners' browsers: stored exactly once, refused clearly when wrong."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from hubd.storage import people, progress
from hubd.web import keys
from hubd.web.sessions import LEARNER_COOKIE

Client = TestClient[web.Request, web.Application]


async def sign_in_learner(client: Client, name: str = "Amina") -> tuple[str, dict[str, str]]:
    app = client.app
    learner_id = str(uuid.uuid4())
    store = app[keys.STORE]
    hlc = app[keys.CLOCK].now(0)
    await store.write(people.add_learner(learner_id, name, app[keys.IDENTITY].hub_id, hlc))
    token = await store.write(people.start_session("learner", learner_id, hlc))
    return learner_id, {"Cookie": f"{LEARNER_COOKIE}={token}"}


def started(lesson: str = "intro") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "lesson_started",
        "course_id": "fracciones",
        "lesson_id": lesson,
    }


async def stored_events(client: Client) -> int:
    async with client.app[keys.STORE].reader() as db:
        return await progress.count_events(db)


async def test_events_are_stored_once_even_when_resent(client: Client) -> None:
    _, cookie = await sign_in_learner(client)
    batch = [started(), started("video")]
    first = await client.post("/api/v1/progress", json={"events": batch}, headers=cookie)
    assert first.status == 200
    assert await first.json() == {"accepted": 2, "duplicates": 0}
    # The Wi-Fi dropped before the answer arrived; the browser sends the same batch again.
    again = await client.post("/api/v1/progress", json={"events": batch}, headers=cookie)
    assert await again.json() == {"accepted": 0, "duplicates": 2}
    assert await stored_events(client) == 2


async def test_completion_and_scores_feed_lesson_progress(client: Client) -> None:
    learner_id, cookie = await sign_in_learner(client)
    events = [
        started("post"),
        {
            "id": str(uuid.uuid4()),
            "type": "quiz_scored",
            "course_id": "fracciones",
            "lesson_id": "post",
            "payload": {"score": 4, "max": 5, "assessment": "post"},
        },
        {
            "id": str(uuid.uuid4()),
            "type": "time_spent",
            "course_id": "fracciones",
            "lesson_id": "post",
            "payload": {"seconds": 90},
        },
        {
            "id": str(uuid.uuid4()),
            "type": "lesson_completed",
            "course_id": "fracciones",
            "lesson_id": "post",
        },
    ]
    response = await client.post("/api/v1/progress", json={"events": events}, headers=cookie)
    assert response.status == 200
    async with client.app[keys.STORE].reader() as db:
        row = await (
            await db.execute(
                "SELECT completed_hlc IS NOT NULL, seconds_spent, last_score, max_score"
                " FROM lesson_progress WHERE learner_id = ?",
                (learner_id,),
            )
        ).fetchone()
    assert row is not None and tuple(row) == (1, 90, 4, 5)


async def test_anonymous_progress_is_refused(client: Client) -> None:
    response = await client.post("/api/v1/progress", json={"events": [started()]})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"
    forged = await client.post(
        "/api/v1/progress",
        json={"events": [started()]},
        headers={"Cookie": f"{LEARNER_COOKIE}=forged"},
    )
    assert forged.status == 401
    assert await stored_events(client) == 0


async def test_one_bad_event_refuses_the_whole_batch(client: Client) -> None:
    _, cookie = await sign_in_learner(client)
    batch = [
        started(),
        {"id": "nope", "type": "lesson_started", "course_id": "fracciones", "lesson_id": "x"},
    ]
    response = await client.post("/api/v1/progress", json={"events": batch}, headers=cookie)
    assert response.status == 400
    body = await response.json()
    assert body["error"]["message"].startswith("Event 2:")
    assert await stored_events(client) == 0


async def test_progress_for_another_learner_is_refused(client: Client) -> None:
    _, cookie = await sign_in_learner(client, "Amina")
    other_id, _ = await sign_in_learner(client, "Carlos")
    event = started() | {"learner_id": other_id}
    response = await client.post("/api/v1/progress", json={"events": [event]}, headers=cookie)
    assert response.status == 400
    assert await stored_events(client) == 0


async def test_garbage_and_oversized_bodies_change_nothing(client: Client) -> None:
    _, cookie = await sign_in_learner(client)
    for body in (b"{not json", b"[]", b'{"events": 3}', b"\xff\xfe"):
        response = await client.post(
            "/api/v1/progress", data=body, headers=cookie | {"Content-Type": "application/json"}
        )
        assert response.status == 400, body
        assert "message" in (await response.json())["error"]
    huge = {"events": [started() for _ in range(501)]}
    response = await client.post("/api/v1/progress", json=huge, headers=cookie)
    assert response.status == 413
    giant = b'{"events": [' + b" " * 2_000_000 + b"]}"
    response = await client.post(
        "/api/v1/progress", data=giant, headers=cookie | {"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "too_large"
    assert await stored_events(client) == 0


async def test_many_learners_at_once_each_get_every_event_stored(client: Client) -> None:
    learners = [await sign_in_learner(client, f"L{i}") for i in range(20)]

    async def learner_session(cookie: dict[str, str]) -> int:
        total = 0
        for _ in range(5):
            response = await client.post(
                "/api/v1/progress", json={"events": [started() for _ in range(4)]}, headers=cookie
            )
            assert response.status == 200
            total += (await response.json())["accepted"]
        return total

    accepted = await asyncio.gather(*(learner_session(cookie) for _, cookie in learners))
    assert sum(accepted) == 400
    assert await stored_events(client) == 400
