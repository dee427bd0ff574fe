"""Signing in as a child can: group, name, then PIN, pictures or nothing; "Not me"."""

from __future__ import annotations

from hubd.storage import learning
from hubd.web import keys
from tests.integration.learn.classroom import Classroom, HubClient, csrf_from, sign_in


async def test_group_then_name_then_pin_signs_in(client: HubClient) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    groups = await (await client.get("/signin")).text()
    assert "Class pin" in groups
    names = await (await client.get(f"/signin/{amina.group_id}")).text()
    assert "Amina" in names
    assert await sign_in(client, amina) == 303
    home = await (await client.get("/")).text()
    assert "Hello, Amina" in home
    assert 'data-learner="' + amina.learner_id + '"' in home


async def test_typing_a_name_filters_the_list(client: HubClient) -> None:
    room = Classroom()
    await room.add(client, "Amina")
    carlos = await room.add(client, "Carlos")
    page = await (await client.get(f"/signin/{carlos.group_id}", params={"name": "car"})).text()
    assert "Carlos" in page and "Amina" not in page


async def test_picture_password_signs_in_only_in_the_right_order(client: HubClient) -> None:
    room = Classroom()
    lina = await room.add(client, "Lina", sign_in="picture", pin=None, pictures=("dog", "star"))
    page = await (await client.get(f"/signin/{lina.group_id}/{lina.learner_id}")).text()
    assert "🐶" in page and 'name="picture2"' in page
    assert await sign_in(client, lina, picture1="star", picture2="dog") == 401
    assert await sign_in(client, lina, picture1="dog", picture2="star") == 303


async def test_group_without_secret_asks_only_is_this_you(client: HubClient) -> None:
    room = Classroom()
    yusuf = await room.add(client, "Yusuf", sign_in="none", pin=None, pictures=None)
    page = await (await client.get(f"/signin/{yusuf.group_id}/{yusuf.learner_id}")).text()
    assert "Yes, that's me" in page
    assert await sign_in(client, yusuf) == 303


async def test_wrong_pin_is_refused_in_the_learners_language(client: HubClient) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    client.session.cookie_jar.update_cookies({"hub_lang": "es"})
    path = f"/signin/{amina.group_id}/{amina.learner_id}"
    token = await csrf_from(client, path)
    response = await client.post(path, data={"csrf": token, "pin": "0000"})
    assert response.status == 401
    assert "Ese PIN no es correcto" in await response.text()
    assert "Hola" not in (await (await client.get("/")).text()).split("<main")[0]


async def test_guessing_pins_is_slowed_then_locked_until_a_teacher_unlocks(
    client: HubClient,
) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    path = f"/signin/{amina.group_id}/{amina.learner_id}"
    statuses = []
    for guess in ("0000", "1111", "2222", "3333"):
        token = await csrf_from(client, path)
        response = await client.post(path, data={"csrf": token, "pin": guess})
        statuses.append(response.status)
    # Three free tries, then this device must wait before the next.
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3] == 429
    assert int(response.headers["Retry-After"]) >= 1
    # Another device (or after the wait) keeps guessing: the learner is locked.
    client.app[keys.SIGNIN_LIMITER].succeeded("127.0.0.1")
    for guess in ("4444", "5555"):
        token = await csrf_from(client, path)
        response = await client.post(path, data={"csrf": token, "pin": guess})
    assert response.status == 423
    assert "Ask your teacher to unlock" in await response.text()
    # Even the right PIN does not work now.
    client.app[keys.SIGNIN_LIMITER].succeeded("127.0.0.1")
    right = await client.post(path, data={"csrf": token, "pin": amina.pin or ""})
    assert right.status == 423
    await client.app[keys.STORE].write(learning.unlock_sign_in(amina.learner_id))
    assert await sign_in(client, amina) == 303


async def test_not_me_signs_out_and_the_session_stops_working(client: HubClient) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    await sign_in(client, amina)
    session_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[
        "hub_learner"
    ].value
    token = await csrf_from(client, "/")
    response = await client.post("/signout", data={"csrf": token}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/signin"
    assert "Hello, Amina" not in await (await client.get("/")).text()
    replay = await client.post(
        "/api/v1/progress",
        json={"events": []},
        headers={"Cookie": f"hub_learner={session_cookie}"},
    )
    assert replay.status == 401


async def test_forms_without_the_csrf_token_change_nothing(client: HubClient) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    path = f"/signin/{amina.group_id}/{amina.learner_id}"
    response = await client.post(path, data={"pin": "4821"}, allow_redirects=False)
    assert response.status == 403
    assert "Hello, Amina" not in await (await client.get("/")).text()


async def test_unknown_group_or_learner_is_a_friendly_404(client: HubClient) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    for path in (
        "/signin/nope",
        f"/signin/{amina.group_id}/nope",
        f"/signin/other/{amina.learner_id}",
    ):
        response = await client.get(path)
        assert response.status == 404
        assert "<h1>Sorry</h1>" in await response.text()
