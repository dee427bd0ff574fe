"""A teacher's work: groups, learners, a CSV import, assignments, cards, and the figures."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from hubd.config import AdminSection, Config
from hubd.content.install import install_folder
from hubd.deps import Deps
from hubd.storage import learning, progress
from hubd.sync.events import NewEvent
from hubd.web import keys
from hubd.web.app import create_app
from tests.conftest import CourseFactory
from tests.integration.admin.staffroom import (
    HubClient,
    csrf_from,
    hashes_ready,
    make_group,
    post_form,
    set_up_hub,
)


async def upload(client: HubClient, csv: bytes, **fields: str) -> tuple[int, str]:
    token = await csrf_from(client, "/admin/import")
    data = aiohttp.FormData({"csrf": token, "group": "", "sign_in": "pin", **fields})
    data.add_field("file", csv, filename="class.csv", content_type="text/csv")
    response = await client.post("/admin/import", data=data)
    return response.status, await response.text()


def hidden(body: str, name: str) -> str:
    import html

    match = re.search(rf'name="{name}" value="([^"]*)"', body)
    assert match, name
    return html.unescape(match.group(1))


async def count(client: HubClient, sql: str) -> int:
    async with client.app[keys.STORE].reader() as db:
        row = await (await db.execute(sql)).fetchone()
    assert row is not None
    return int(row[0])


async def test_csv_import_previews_bad_rows_then_saves_in_one_go(client: HubClient) -> None:
    await set_up_hub(client)
    csv = "Nombre;Grupo;PIN\nAmina;4B;1234\nCarlos;4B;12a4\nLina;5A;\n".encode("utf-8-sig")
    status, body = await upload(client, csv)
    assert status == 200
    assert "Carlos" in body and "is not 4 digits" in body
    assert await count(client, "SELECT count(*) FROM learners") == 0, "a preview saves nothing"
    # Confirming without choosing to skip the bad row changes nothing either.
    status, _, _again = await post_form(
        client,
        "/admin/import/confirm",
        {"text": hidden(body, "text"), "group": "", "sign_in": "pin"},
        page="/admin/import",
    )
    assert status == 422
    assert await count(client, "SELECT count(*) FROM learners") == 0
    status, path, _ = await post_form(
        client,
        "/admin/import/confirm",
        {"text": hidden(body, "text"), "group": "", "sign_in": "picture", "skip_bad": "1"},
        page="/admin/import",
    )
    assert path == "/admin"
    assert await count(client, "SELECT count(*) FROM learners") == 2
    assert await count(client, "SELECT count(*) FROM learner_groups WHERE sign_in = 'picture'") == 2
    await hashes_ready(client)
    assert await count(client, "SELECT count(*) FROM learners WHERE picture IS NULL") == 0
    assert await count(client, "SELECT count(*) FROM learners WHERE pin_hash IS NOT NULL") == 0
    assert await count(client, "SELECT count(*) FROM learners WHERE secrets_pending = 1") == 0


async def test_an_imported_learner_signs_in_with_the_pin_on_the_card(client: HubClient) -> None:
    await set_up_hub(client)
    group_id = await make_group(client, "Clase 4B")
    status, body = await upload(client, b"Amina,,0042\n", group=group_id)
    assert status == 200
    await post_form(
        client,
        "/admin/import/confirm",
        {"text": hidden(body, "text"), "group": group_id, "sign_in": "pin"},
        page="/admin/import",
    )
    await hashes_ready(client)
    cards = await (await client.get(f"/admin/groups/{group_id}/cards")).text()
    assert "Amina" in cards and "0042" in cards and "<svg" in cards
    async with client.app[keys.STORE].reader() as db:
        (amina,) = await learning.group_learners(db, group_id)
    token = await csrf_from(client, f"/signin/{group_id}/{amina.learner_id}")
    response = await client.post(
        f"/signin/{group_id}/{amina.learner_id}",
        data={"pin": "0042", "csrf": token},
        allow_redirects=False,
    )
    assert response.status == 303


async def test_new_card_replaces_the_pin_and_unlocks(client: HubClient) -> None:
    await set_up_hub(client)
    group_id = await make_group(client, "Clase 4B")
    _, learner_path, _ = await post_form(
        client, "/admin/learners", {"name": "Yusuf", "group": group_id}, page="/admin/learners"
    )
    learner_id = learner_path.rsplit("/", 1)[1]
    await hashes_ready(client)
    for _ in range(5):
        await client.app[keys.STORE].write(learning.record_failed_sign_in(learner_id))
    page = await (await client.get(learner_path)).text()
    assert "locked" in page
    old = re.search(
        r"<strong>(\d{4})</strong>", await (await client.get(learner_path + "/card")).text()
    )
    assert old
    await post_form(client, learner_path + "/card", {}, page=learner_path)
    await hashes_ready(client)
    new = re.search(
        r"<strong>(\d{4})</strong>", await (await client.get(learner_path + "/card")).text()
    )
    assert new
    assert await count(client, "SELECT count(*) FROM learners WHERE signin_locked = 1") == 0


async def test_edits_are_logged_as_register_changes_with_the_hubs_sequence(
    client: HubClient,
) -> None:
    await set_up_hub(client)
    group_id = await make_group(client, "Clase 4B")
    other = await make_group(client, "Clase 5A")
    _, learner_path, _ = await post_form(
        client, "/admin/learners", {"name": "Oksana", "group": group_id}, page="/admin/learners"
    )
    learner_id = learner_path.rsplit("/", 1)[1]
    await post_form(client, learner_path, {"name": "Oksana K.", "language": "uk", "group": other})
    await post_form(client, learner_path + "/active", {"active": "0"}, page=learner_path)
    async with client.app[keys.STORE].reader() as db:
        rows = await (
            await db.execute("SELECT seq, register_key, value FROM register_changes ORDER BY seq")
        ).fetchall()
        cursor = await db.execute("SELECT register_key, value FROM registers")
        registers = {str(r[0]): r[1] for r in await cursor.fetchall()}
        hub_row = await (await db.execute("SELECT last_seq FROM hub")).fetchone()
    assert hub_row is not None
    last_seq = hub_row[0]
    seqs = [r[0] for r in rows]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) and seqs[-1] == last_seq
    assert json.loads(registers[f"learner/{learner_id}/display_name"]) == "Oksana K."
    assert json.loads(registers[f"learner/{learner_id}/language"]) == "uk"
    assert json.loads(registers[f"learner/{learner_id}/active"]) is False
    assert registers[f"member/{group_id}/{learner_id}"] is None  # a tombstone
    assert json.loads(registers[f"member/{other}/{learner_id}"]) is True


async def test_bad_forms_say_why_and_change_nothing(client: HubClient) -> None:
    await set_up_hub(client)
    group_id = await make_group(client, "Clase 4B")
    status, _, body = await post_form(
        client, "/admin/groups", {"name": "clase 4b", "sign_in": "pin"}, page="/admin"
    )
    assert status == 400 and "already a group with that name" in body
    status, _, body = await post_form(
        client, "/admin/learners", {"name": "   ", "group": group_id}, page="/admin/learners"
    )
    assert status == 400 and "type a name" in body
    status, _, body = await post_form(
        client,
        f"/admin/groups/{group_id}/assign",
        {"course": "nope", "whole": "1", "due": "31/12/2025"},
        page=f"/admin/groups/{group_id}",
    )
    assert status == 400 and "2025-03-31" in body
    assert await count(client, "SELECT count(*) FROM learners") == 0
    assert await count(client, "SELECT count(*) FROM assignments") == 0


async def test_assign_a_course_and_see_a_learner_finish_it(
    client: HubClient, make_course: CourseFactory
) -> None:
    app = client.app
    await install_folder(
        app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], app[keys.DEPS].wall_ms(), make_course()
    )
    await set_up_hub(client)
    group_id = await make_group(client, "Clase 4B", sign_in="none")
    choose = await client.get(f"/admin/groups/{group_id}/assign?course=fracciones")
    assert "¿Qué es una fracción?" in await choose.text()
    _status, path, body = await post_form(
        client,
        f"/admin/groups/{group_id}/assign",
        {"course": "fracciones", "whole": "1", "due": "2025-06-30"},
        page=f"/admin/groups/{group_id}/assign?course=fracciones",
    )
    assert path == f"/admin/groups/{group_id}" and "Fracciones" in body and "2025-06-30" in body
    _, learner_path, _ = await post_form(
        client, "/admin/learners", {"name": "Amina", "group": group_id}, page="/admin/learners"
    )
    learner_id = learner_path.rsplit("/", 1)[1]
    async with app[keys.STORE].reader() as db:
        courses = await learning.my_courses(db, learner_id)
    assert courses[0].assigned and courses[0].due_date == "2025-06-30"

    def event(kind: str, lesson: str, payload: dict[str, object] | None = None) -> NewEvent:
        return NewEvent(
            str(uuid.uuid4()), learner_id, kind, "fracciones", lesson, json.dumps(payload or {})
        )

    events = [
        event("quiz_scored", "pre", {"score": 1, "max": 2, "assessment": "pre"}),
        *(
            event("lesson_completed", lesson)
            for lesson in ("pre", "intro", "video", "ficha", "juego", "post")
        ),
        event("quiz_scored", "post", {"score": 2, "max": 2, "assessment": "post"}),
        event("time_spent", "video", {"seconds": 120}),
    ]
    await app[keys.STORE].write(
        progress.append_events(
            events, app[keys.IDENTITY], app[keys.CLOCK], app[keys.DEPS].wall_ms()
        )
    )
    page = await (await client.get(f"/admin/groups/{group_id}")).text()
    assert "100%" in page and "+50" in page
    details = await (await client.get(f"/admin/groups/{group_id}?format=csv&table=details")).text()
    lines = details.strip().splitlines()
    assert lines[0].lstrip("\ufeff").startswith("Learner,Course,Progress")
    assert lines[1].split(",")[:8] == ["Amina", "Fracciones", "100", "6", "✓", "50", "100", "50"]
    reports = await (await client.get("/admin/reports")).text()
    assert "<svg" in reports and "Fracciones" in reports
    weekly = await (await client.get("/admin/reports?format=csv&table=weekly")).text()
    assert weekly.strip().splitlines()[1].endswith(",1")
    learner = await (await client.get(learner_path)).text()
    assert "100%" in learner
    # A date range before anything happened shows no scores.
    empty = await (
        await client.get(
            f"/admin/groups/{group_id}?from=2001-01-01&to=2001-01-31&format=csv&table=details"
        )
    ).text()
    assert "Amina" not in empty


async def test_move_learners_and_archive_a_group(client: HubClient) -> None:
    await set_up_hub(client)
    first = await make_group(client, "Clase 4B")
    second = await make_group(client, "Clase 5A")
    _, learner_path, _ = await post_form(
        client, "/admin/learners", {"name": "Lina", "group": first}, page="/admin/learners"
    )
    learner_id = learner_path.rsplit("/", 1)[1]
    await post_form(
        client,
        f"/admin/groups/{first}/move",
        {"learner": learner_id, "to": second},
        page=f"/admin/groups/{first}",
    )
    assert "Lina" in await (await client.get(f"/admin/learners?group={second}")).text()
    await post_form(
        client, f"/admin/groups/{first}/archive", {"archived": "1"}, page=f"/admin/groups/{first}"
    )
    home = await (await client.get("/admin")).text()
    assert "Clase 4B" not in home
    assert "Clase 4B" in await (await client.get("/admin/groups?archived=1")).text()


async def test_hub_page_shows_health(client: HubClient, make_course: CourseFactory) -> None:
    app = client.app
    await install_folder(
        app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], app[keys.DEPS].wall_ms(), make_course()
    )
    await set_up_hub(client)
    page = await (await client.get("/admin/hub")).text()
    assert "Fracciones" in page and "24 GB free of 32 GB" in page
    assert "Software version" in page


async def test_hub_page_says_when_a_stick_is_safe_to_remove(client: HubClient) -> None:
    await set_up_hub(client)
    board = client.app[keys.STICKS]
    stick = board.start("sdb1", "ROUTE-7", 0.0)
    board.set_phase(stick, "writing")
    page = await (await client.get("/admin/hub")).text()
    assert "ROUTE-7" in page and "Writing this hub's data to the stick" in page
    board.set_phase(stick, "done")
    page = await (await client.get("/admin/hub?lang=es")).text()
    assert "Listo: ya se puede retirar" in page
    # Discovery is off in tests: the page says so rather than showing an empty list.
    assert "no busca otros hubs" in page


async def test_changing_the_sign_in_style_prepares_the_other_secret(client: HubClient) -> None:
    await set_up_hub(client)
    group_id = await make_group(client, "Clase 4B", sign_in="pin")
    await post_form(
        client, "/admin/learners", {"name": "Nour", "group": group_id}, page="/admin/learners"
    )
    await hashes_ready(client)
    assert await count(client, "SELECT count(*) FROM learners WHERE pin_hash IS NOT NULL") == 1
    assert await count(client, "SELECT count(*) FROM learners WHERE picture IS NOT NULL") == 0
    await post_form(client, f"/admin/groups/{group_id}", {"name": "Clase 4B", "sign_in": "picture"})
    await hashes_ready(client)
    assert await count(client, "SELECT count(*) FROM learners WHERE pin_hash IS NOT NULL") == 0
    assert await count(client, "SELECT count(*) FROM learners WHERE picture IS NOT NULL") == 1


async def test_login_cards_print_the_hubs_ip_address_under_its_name(
    config: Config, deps: Deps
) -> None:
    with_address = dataclasses.replace(
        config, admin=AdminSection(login_card_address="http://10.42.0.1")
    )
    async with TestClient(TestServer(create_app(with_address, deps))) as client:
        await set_up_hub(client)
        group_id = await make_group(client, "Clase 4B")
        await post_form(
            client, "/admin/learners", {"name": "Amina", "group": group_id}, page="/admin/learners"
        )
        cards = await (await client.get(f"/admin/groups/{group_id}/cards?lang=es")).text()
    assert "http://hub.lan</span>" in cards
    assert '<span class="card-url">o http://10.42.0.1</span>' in cards
