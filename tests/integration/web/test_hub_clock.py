"""A hub without a clock module on a solar battery: after a power cut its system clock starts
again from the image's build day. The hub's time runs on from its last record, and once three
phones in the classroom agree on the time, the hub takes it: the next lessons are recorded on
the right day, so teachers' day counts hold. One phone set wrong changes nothing. A teacher can
also set the time forward on the hub page (never back)."""

from __future__ import annotations

import datetime as dt
import html
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hubd.config import Config
from hubd.deps import Deps, DiskUsage
from hubd.storage import people
from hubd.sync.hlc import unpack
from hubd.web import keys
from hubd.web.admin.period import utc_offset_ms
from hubd.web.app import create_app
from hubd.web.sessions import LEARNER_COOKIE
from tests.integration.admin.staffroom import post_form, set_up_hub

BUILD_DAY = 1_795_000_000_000
HOUR = 3_600_000
DAY = 24 * HOUR
Client = TestClient[web.Request, web.Application]


@dataclass
class Board:
    """The system clock of a board with no clock module; tests move it."""

    system: int

    def deps(self) -> Deps:
        return Deps(
            wall_ms=lambda: self.system,
            disk_usage=lambda _p: DiskUsage(32 << 30, 8 << 30, 24 << 30),
        )


async def learner_cookie(client: Client) -> dict[str, str]:
    app = client.app
    learner_id = str(uuid.uuid4())
    hlc = app[keys.CLOCK].now(app[keys.DEPS].wall_ms())
    await app[keys.STORE].write(
        people.add_learner(learner_id, "Amina", app[keys.IDENTITY].hub_id, hlc)
    )
    token = await app[keys.STORE].write(people.start_session("learner", learner_id, hlc))
    return {"Cookie": f"{LEARNER_COOKIE}={token}"}


async def post_progress(
    client: Client, cookie: dict[str, str], sent_ms: int | None = None, source: str = "127.0.0.1"
) -> str:
    """One event from a phone at ``source`` (a loopback address of its own); its id."""
    event_id = str(uuid.uuid4())
    event = {"id": event_id, "type": "lesson_started", "course_id": "c1", "lesson_id": "l1"}
    body: dict[str, object] = {"events": [event]}
    if sent_ms is not None:
        body["sent_ms"] = sent_ms
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with (
        aiohttp.ClientSession(connector=connector) as phone,
        phone.post(client.make_url("/api/v1/progress"), json=body, headers=cookie) as response,
    ):
        assert response.status == 200, await response.text()
    return event_id


async def recorded_at(client: Client, event_id: str) -> int:
    async with client.app[keys.STORE].reader() as db:
        row = await (
            await db.execute("SELECT hlc FROM progress_events WHERE event_id = ?", (event_id,))
        ).fetchone()
    assert row is not None
    return unpack(int(row[0]))[0]


async def health_clock(client: Client) -> dict[str, object]:
    body = await (await client.get("/api/v1/health")).json()
    clock: dict[str, object] = body["clock"]
    return clock


async def test_after_a_power_cut_the_hub_takes_the_time_its_classroom_agrees_on(
    config: Config, tmp_path: Path
) -> None:
    day_40 = BUILD_DAY + 40 * DAY + 15 * HOUR  # an afternoon of lessons, the clock still right
    board = Board(day_40)
    async with TestClient(TestServer(create_app(config, board.deps()))) as client:
        cookie = await learner_cookie(client)
        afternoon = await post_progress(client, cookie)
        assert await recorded_at(client, afternoon) == day_40

    # The battery ran out in the night; at sunrise the board starts with the build day's time.
    board.system = BUILD_DAY
    async with TestClient(TestServer(create_app(config, board.deps()))) as client:
        clock = await health_clock(client)
        assert clock["now_ms"] == day_40, "the hub's time runs on from its last record"
        assert clock["last"] == {
            "by": "records", "ahead_ms": day_40 - BUILD_DAY, "at_ms": day_40, "devices": 0,
        }  # fmt: skip
        cookie = await learner_cookie(client)
        board.system += HOUR
        early = await post_progress(client, cookie)
        assert await recorded_at(client, early) == day_40 + HOUR

        # The real morning: day 41, 08:00. A phone set to 2031 is alone and changes nothing.
        morning = BUILD_DAY + 41 * DAY + 8 * HOUR
        wrong = await post_progress(client, cookie, morning + 1900 * DAY, "127.0.0.9")
        assert await recorded_at(client, wrong) == day_40 + HOUR
        await post_progress(client, cookie, morning, "127.0.0.2")
        await post_progress(client, cookie, morning + 3_000, "127.0.0.3")
        await post_progress(client, cookie, morning - 2_000, "127.0.0.4")
        later = await post_progress(client, cookie)
        assert abs(await recorded_at(client, later) - morning) < 60_000
        assert (
            time.gmtime((await recorded_at(client, later)) / 1000).tm_yday
            == time.gmtime(morning / 1000).tm_yday
        )
        clock = await health_clock(client)
        last = clock["last"]
        assert isinstance(last, dict) and last["by"] == "devices" and last["devices"] == 3

        # The teacher's hub page says what happened, in the teacher's language.
        await set_up_hub(client)
        page = await (await client.get("/admin/hub?lang=es")).text()
        assert "Hora del hub" in page
        assert "3 dispositivos del aula coincidieron en la hora" in page


async def test_a_teacher_sets_the_time_forward_and_never_back(
    config: Config, tmp_path: Path
) -> None:
    board = Board(BUILD_DAY)
    async with TestClient(TestServer(create_app(config, board.deps()))) as client:
        await set_up_hub(client)
        page = await (await client.get("/admin/hub")).text()
        assert 'name="time" type="datetime-local"' in page

        behind = await post_form(client, "/admin/hub/time", {"time": "2020-01-01T08:00"},
                                 page="/admin/hub?lang=fr")  # fmt: skip
        assert behind[0] == 400 and "elle ne fait qu'avancer" in html.unescape(behind[2])
        wrong = await post_form(
            client, "/admin/hub/time", {"time": "tomorrow"}, page="/admin/hub?lang=en"
        )
        assert wrong[0] == 400 and "such as 2026-03-31 and 08:15" in wrong[2]
        far = await post_form(client, "/admin/hub/time", {"time": "2031-01-01T08:00"},
                              page="/admin/hub")  # fmt: skip
        assert far[0] == 400 and "check the year" in far[2]
        forged = await client.post("/admin/hub/time", data={"time": "2026-12-24T08:00"})
        assert forged.status == 403
        assert (await health_clock(client))["corrected_ms"] == 0

        target = dt.datetime(2026, 12, 24, 8, 0)
        status, path, body = await post_form(
            client, "/admin/hub/time", {"time": target.strftime("%Y-%m-%dT%H:%M")},
            page="/admin/hub?lang=es",
        )  # fmt: skip
        assert (status, path) == (200, "/admin/hub")
        assert "El reloj del hub está en hora" in body
        assert "por un docente" in body
        expected = int(target.replace(tzinfo=dt.UTC).timestamp() * 1000) - utc_offset_ms()
        cookie = await learner_cookie(client)
        lesson = await post_progress(client, cookie)
        assert abs(await recorded_at(client, lesson) - expected) < 60_000
