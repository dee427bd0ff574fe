"""Quizzes one question at a time: answers hidden until submitted, counted once, gain shown."""

from __future__ import annotations

import re
from typing import Any

from hubd.content.install import install_folder
from hubd.storage import learning
from hubd.web import keys
from tests.integration.learn.classroom import Classroom, HubClient, csrf_from, sign_in

FORM_FIELD = re.compile(r'name="(event_id|question_id)" value="([^"]+)"')


async def install(client: HubClient, folder: Any) -> None:
    app = client.app
    await install_folder(app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], 1, folder)


async def attempt_url(client: HubClient, lesson: str) -> str:
    start = await (await client.get(f"/courses/fracciones/lessons/{lesson}")).text()
    match = re.search(rf'href="(/courses/fracciones/lessons/{lesson}/attempt/[0-9a-f-]+)"', start)
    assert match, "no Start button"
    return match.group(1)


async def answer(client: HubClient, url: str, choice: int) -> tuple[str, str]:
    page = await (await client.get(url)).text()
    fields = dict(FORM_FIELD.findall(page))
    token = await csrf_from(client, url)
    form = {
        "csrf": token,
        "event_id": fields["event_id"],
        "question_id": fields["question_id"],
        "choice": str(choice),
    }
    response = await client.post(url, data=form)
    assert response.status == 200
    return page, await response.text()


async def test_quiz_asks_one_question_at_a_time_and_hides_the_answer(
    client: HubClient, make_course: Any
) -> None:
    await install(client, make_course())
    amina = await Classroom().add(client, "Amina")
    await sign_in(client, amina)
    url = await attempt_url(client, "pre")
    question_page, after_first = await answer(client, url, 1)  # wrong: the answer is 0
    assert "¿Cuánto es 1/2 + 1/2?" in question_page
    assert "¿Qué fracción es mayor?" not in question_page, "one question at a time"
    assert "Right!" not in question_page and "The answer is" not in question_page
    assert "Not quite. The answer is:" in after_first
    assert "¿Qué fracción es mayor?" in after_first
    _, result = await answer(client, url, 1)  # right
    assert "You got 1 of 2 right." in result


async def test_post_assessment_shows_the_gain_since_the_pre_assessment(
    client: HubClient, make_course: Any
) -> None:
    await install(client, make_course())
    amina = await Classroom().add(client, "Amina")
    await sign_in(client, amina)
    pre = await attempt_url(client, "pre")
    await answer(client, pre, 2)
    await answer(client, pre, 0)  # 0 of 2
    post = await attempt_url(client, "post")
    await answer(client, post, 0)
    _, result = await answer(client, post, 1)  # 2 of 2
    assert "Before the lessons: 0 of 2. Now: 2 of 2." in result
    async with client.app[keys.STORE].reader() as db:
        states = await learning.lesson_states(db, amina.learner_id, "fracciones")
    assert (states["pre"].last_score, states["post"].last_score) == (0, 2)
    assert states["post"].completed


async def test_a_resubmitted_answer_counts_once(client: HubClient, make_course: Any) -> None:
    await install(client, make_course())
    amina = await Classroom().add(client, "Amina")
    await sign_in(client, amina)
    url = await attempt_url(client, "pre")
    page = await (await client.get(url)).text()
    fields = dict(FORM_FIELD.findall(page))
    token = await csrf_from(client, url)
    form = {"csrf": token, **fields, "choice": "0"}
    for _ in range(3):  # a double tap, then the back button and submit again
        await client.post(url, data=form)
    async with client.app[keys.STORE].reader() as db:
        count = await (
            await db.execute("SELECT count(*) FROM progress_events WHERE event_type = 'answer'")
        ).fetchone()
    assert count is not None and count[0] == 1


async def test_quiz_needs_a_signed_in_learner(client: HubClient, make_course: Any) -> None:
    await install(client, make_course())
    start = await (await client.get("/courses/fracciones/lessons/pre")).text()
    assert "Sign in</a> to take this quiz." in start
    response = await client.get(
        "/courses/fracciones/lessons/pre/attempt/7d1f0e3a-1111-4222-8333-944455556666",
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/signin"


async def test_bad_quiz_posts_are_refused_and_store_nothing(
    client: HubClient, make_course: Any
) -> None:
    await install(client, make_course())
    amina = await Classroom().add(client, "Amina")
    await sign_in(client, amina)
    url = await attempt_url(client, "pre")
    token = await csrf_from(client, url)
    page = await (await client.get(url)).text()
    fields = dict(FORM_FIELD.findall(page))
    bad_forms = [
        {"question_id": "nope", "event_id": fields["event_id"], "choice": "0"},
        {"question_id": fields["question_id"], "event_id": fields["event_id"], "choice": "9"},
    ]
    for form in bad_forms:
        response = await client.post(url, data={"csrf": token, **form})
        assert response.status == 400
        assert "<h1>Sorry</h1>" in await response.text()
    response = await client.get("/courses/fracciones/lessons/pre/attempt/not-a-uuid")
    assert response.status == 404
    async with client.app[keys.STORE].reader() as db:
        count = await (await db.execute("SELECT count(*) FROM progress_events")).fetchone()
    assert count is not None and count[0] == 0
