"""Home: my assigned courses first with progress; continue where I left off."""

from __future__ import annotations

import re
from typing import Any

from hubd.content.install import install_folder
from hubd.web import keys
from tests.integration.learn.classroom import Classroom, HubClient, csrf_from, sign_in


async def install(client: HubClient, folder: Any) -> None:
    app = client.app
    await install_folder(app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], 1, folder)


async def finish(client: HubClient, course: str, lesson: str) -> None:
    path = f"/courses/{course}/lessons/{lesson}"
    page = await (await client.get(path)).text()
    event_id = re.search(r'name="event_id" value="([^"]+)"', page)
    assert event_id
    token = await csrf_from(client, path)
    response = await client.post(
        path + "/done", data={"csrf": token, "event_id": event_id.group(1)}, allow_redirects=False
    )
    assert response.status == 303


async def test_assigned_course_comes_first_with_its_progress(
    client: HubClient, make_course: Any
) -> None:
    await install(client, make_course("aaa-other", title="Astronomía"))
    await install(client, make_course())
    amina = await Classroom().add(client, "Amina")

    def assign(conn: Any) -> None:
        conn.execute(
            "INSERT INTO assignments (assignment_id, group_id, course_id, due_date, updated_hlc)"
            " VALUES ('a1', ?, 'fracciones', '2026-12-01', 1)",
            (amina.group_id,),
        )

    await client.app[keys.STORE].write(assign)
    await sign_in(client, amina)
    await finish(client, "fracciones", "intro")
    home = await (await client.get("/")).text()
    mine, more = home.split("More courses")
    assert "My courses" in mine and "Fracciones" in mine and "Astronomía" in more
    assert "1 of 6 lessons done" in mine
    assert "Due 2026-12-01" in mine
    assert '<progress class="progress" max="100" value="17"' in mine


async def test_lessons_given_one_by_one_are_marked_on_the_course_page(
    client: HubClient, make_course: Any
) -> None:
    await install(client, make_course())
    amina = await Classroom().add(client, "Amina")

    def assign(lessons: list[str | None]) -> Any:
        def write(conn: Any) -> None:
            conn.execute("UPDATE assignments SET removed = 1")
            for n, lesson in enumerate(lessons):
                conn.execute(
                    "INSERT INTO assignments (assignment_id, group_id, course_id, lesson_id,"
                    " due_date, updated_hlc) VALUES (?, ?, 'fracciones', ?, ?, 1)",
                    (f"a{n}-{lesson}", amina.group_id, lesson, "2026-12-01" if n else None),
                )

        return write

    await client.app[keys.STORE].write(assign(["video", "juego"]))
    await sign_in(client, amina)
    page = await (await client.get("/courses/fracciones")).text()
    marked = re.findall(
        r'lessons/(\w+)">[^<]*</a>\s*<span class="badge assigned"[^>]*>([^<]*)', page
    )
    assert marked == [
        ("video", "From your teacher"),
        ("juego", "From your teacher · Due 2026-12-01"),
    ]
    # The whole course given: no lesson is singled out.
    await client.app[keys.STORE].write(assign([None, "video"]))
    page = await (await client.get("/courses/fracciones?lang=es")).text()
    assert "badge assigned" not in page


async def test_continue_points_at_the_next_lesson_after_a_finished_one(
    client: HubClient, make_course: Any
) -> None:
    await install(client, make_course())
    amina = await Classroom().add(client, "Amina")
    await sign_in(client, amina)
    assert "Continue where you left off" not in await (await client.get("/")).text()
    await finish(client, "fracciones", "intro")
    home = await (await client.get("/")).text()
    assert "Continue where you left off" in home
    assert 'href="/courses/fracciones/lessons/video"' in home


async def test_finishing_without_javascript_moves_to_the_next_lesson(
    client: HubClient, make_course: Any
) -> None:
    await install(client, make_course())
    amina = await Classroom().add(client, "Amina")
    await sign_in(client, amina)
    path = "/courses/fracciones/lessons/intro"
    page = await (await client.get(path)).text()
    event_id = re.search(r'name="event_id" value="([^"]+)"', page)
    assert event_id
    token = await csrf_from(client, path)
    for _ in range(2):  # the form sent twice counts once
        response = await client.post(
            path + "/done",
            data={"csrf": token, "event_id": event_id.group(1)},
            allow_redirects=False,
        )
        assert response.headers["Location"] == "/courses/fracciones/lessons/video"
    course = await (await client.get("/courses/fracciones")).text()
    assert course.count("✓ Done") == 1


async def test_guests_can_browse_but_not_record(client: HubClient, make_course: Any) -> None:
    await install(client, make_course())
    home = await (await client.get("/")).text()
    assert "Welcome" in home and "Fracciones" in home
    lesson = await (await client.get("/courses/fracciones/lessons/intro")).text()
    assert "fracción" in lesson
    assert "Sign in</a> to keep your progress." in lesson
    response = await client.post("/courses/fracciones/lessons/intro/done", data={"event_id": "x"})
    assert response.status == 403
    async with client.app[keys.STORE].reader() as db:
        row = await (await db.execute("SELECT count(*) FROM progress_events")).fetchone()
    assert row is not None and row[0] == 0


async def test_courses_in_the_readers_language_come_first(
    client: HubClient, make_course: Any
) -> None:
    await install(client, make_course("aaa-water", title="Clean water", language="en"))
    await install(client, make_course("kharita", title="قراءة الخريطة", language="ar"))
    await install(client, make_course())  # Fracciones, in Spanish
    titles = ["Clean water", "Fracciones", "قراءة الخريطة"]

    def order(page: str) -> list[str]:
        return sorted(titles, key=page.index)

    assert order(await (await client.get("/?lang=ar")).text())[0] == "قراءة الخريطة"
    assert order(await (await client.get("/?lang=es")).text())[0] == "Fracciones"
    assert order(await (await client.get("/?lang=en")).text()) == titles
    amina = await Classroom().add(client, "Amina")
    await sign_in(client, amina)
    assert order(await (await client.get("/?lang=ar")).text())[0] == "قراءة الخريطة"


async def test_interface_language_is_chosen_and_remembered(
    client: HubClient, make_course: Any
) -> None:
    await install(client, make_course())
    page = await client.get("/", params={"lang": "ar"})
    html = await page.text()
    assert '<html lang="ar" dir="rtl">' in html
    assert "الدورات" in html
    again = await (await client.get("/courses/fracciones")).text()
    assert '<html lang="ar" dir="rtl">' in again
    spanish = await client.get(
        "/", headers={"Accept-Language": "fr-CA,fr;q=0.9"}, params={"lang": "es"}
    )
    assert '<html lang="es"' in await spanish.text()


async def test_browser_language_is_used_until_one_is_chosen(client: HubClient) -> None:
    page = await client.get("/", headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"})
    html = await page.text()
    assert '<html lang="uk"' in html and "Курси" in html
