"""Pages and searches are kept between requests, yet show a course as soon as it is installed,
a new version as soon as it replaces the old, and nothing of a removed course."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from hubd.content.install import install_folder
from hubd.storage import catalogue
from hubd.web import keys

Client = TestClient[web.Request, web.Application]


async def install(client: Client, folder: Path) -> None:
    app = client.app
    await install_folder(
        app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], 1_700_000_000_000, folder
    )


async def search_titles(client: Client, query: str) -> list[str]:
    body = await (await client.get("/api/v1/search", params={"q": query})).json()
    return [hit["course_title"] for hit in body["results"]]


async def test_new_course_shows_at_once_on_pages_and_in_search(
    client: Client, make_course: Any
) -> None:
    await install(client, make_course("fracciones", title="Fracciones"))
    assert "Fracciones" in await (await client.get("/")).text()
    assert await search_titles(client, "bicicleta") == []
    assert (await client.get("/courses/mapas")).status == 404
    await install(
        client, make_course("mapas", title="Mapas del barrio", text="Una bicicleta en el mapa.")
    )
    assert "Mapas del barrio" in await (await client.get("/")).text()
    assert await search_titles(client, "bicicleta") == ["Mapas del barrio"]
    assert (await client.get("/courses/mapas")).status == 200
    api = await (await client.get("/api/v1/courses")).json()
    assert sorted(c["id"] for c in api["courses"]) == ["fracciones", "mapas"]


async def test_new_version_replaces_titles_lessons_and_search_results(
    client: Client, make_course: Any
) -> None:
    await install(client, make_course(title="Fracciones", text="Camión."))
    assert "Fracciones" in await (await client.get("/courses/fracciones")).text()
    assert await search_titles(client, "camion") == ["Fracciones"]
    only_text = {"id": "intro", "kind": "text", "title": "Lección nueva", "file": "intro.md"}
    changes = {"modules": [{"id": "m1", "title": "Todo", "lessons": [only_text]}]}
    await install(
        client,
        make_course(version=2, title="Fracciones 2", text="Bicicleta.", manifest_changes=changes),
    )
    course_page = await (await client.get("/courses/fracciones")).text()
    assert "Fracciones 2" in course_page
    assert "Lección nueva" in course_page
    assert (await client.get("/courses/fracciones/lessons/video")).status == 404
    lesson = await (await client.get("/courses/fracciones/lessons/intro")).text()
    assert "Lección nueva" in lesson
    assert "Bicicleta" in lesson
    assert await search_titles(client, "camion") == []
    assert await search_titles(client, "bicicleta") == ["Fracciones 2"]


async def test_removed_course_is_gone_from_pages_and_search(
    client: Client, make_course: Any
) -> None:
    await install(client, make_course())
    assert (await client.get("/courses/fracciones/lessons/intro")).status == 200
    assert await search_titles(client, "camion") == ["Fracciones"]
    await client.app[keys.STORE].write(catalogue.remove_course("fracciones"))
    assert (await client.get("/courses/fracciones")).status == 404
    assert (await client.get("/courses/fracciones/lessons/intro")).status == 404
    assert await search_titles(client, "camion") == []
    assert "No courses are installed yet" in await (await client.get("/")).text()
