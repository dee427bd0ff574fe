"""A class's list of names is kept once rendered, yet shows a new classmate or a renamed one at
once, and each language gets its own page."""

from __future__ import annotations

import sqlite3

from hubd.web import keys
from tests.integration.learn.classroom import Classroom, HubClient


async def test_names_page_shows_a_new_classmate_at_once(client: HubClient) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    first = await (await client.get(f"/signin/{amina.group_id}")).text()
    assert "Amina" in first and "Carlos" not in first
    await room.add(client, "Carlos")
    again = await (await client.get(f"/signin/{amina.group_id}")).text()
    assert "Amina" in again and "Carlos" in again


async def test_names_page_shows_a_new_name_at_once(client: HubClient) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    assert "Amina" in await (await client.get(f"/signin/{amina.group_id}")).text()

    def rename(conn: sqlite3.Connection) -> None:
        conn.execute(
            "UPDATE learners SET display_name = 'Zainab' WHERE learner_id = ?",
            (amina.learner_id,),
        )

    await client.app[keys.STORE].write(rename)
    again = await (await client.get(f"/signin/{amina.group_id}")).text()
    assert "Zainab" in again and "Amina" not in again


async def test_names_page_in_one_language_is_not_served_in_another(client: HubClient) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    path = f"/signin/{amina.group_id}"
    english = await (await client.get(path)).text()
    assert "Which is your name?" in english
    spanish = await client.get(path, params={"lang": "es"})
    assert "¿Cuál es tu nombre?" in await spanish.text()
    assert spanish.cookies["hub_lang"].value == "es"  # the choice is remembered, kept or not
    assert "¿Cuál es tu nombre?" in await (await client.get(path)).text()
    client.session.cookie_jar.clear()
    french = await (await client.get(path, headers={"Accept-Language": "fr"})).text()
    assert "Quel est ton prénom ?" in french
    assert 'lang="fr"' in french
    assert "Which is your name?" in await (await client.get(path)).text()


async def test_kept_names_page_still_gives_a_new_browser_its_form_token(
    client: HubClient,
) -> None:
    room = Classroom()
    amina = await room.add(client, "Amina")
    await client.get(f"/signin/{amina.group_id}")
    client.session.cookie_jar.clear()
    again = await client.get(f"/signin/{amina.group_id}")
    assert "hub_csrf" in again.cookies
