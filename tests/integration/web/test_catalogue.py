"""Learners browse, search and open lessons; files come with Range support."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from hubd.content.install import install_folder
from hubd.web import keys

Client = TestClient[web.Request, web.Application]


async def install(client: Client, folder: Path) -> None:
    app = client.app
    await install_folder(
        app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], 1_700_000_000_000, folder
    )


async def test_catalogue_lists_installed_course(client: Client, make_course: Any) -> None:
    await install(client, make_course())
    page = await client.get("/")
    assert page.status == 200
    html = await page.text()
    assert "Fracciones" in html
    assert "6 lessons" in html
    assert "Sign in" in html
    api = await (await client.get("/api/v1/courses")).json()
    assert [c["id"] for c in api["courses"]] == ["fracciones"]


async def test_empty_hub_says_courses_come_on_a_stick(client: Client) -> None:
    html = await (await client.get("/")).text()
    assert "No courses are installed yet" in html


async def test_search_ignores_accents_case_and_matches_prefixes(
    client: Client, make_course: Any
) -> None:
    await install(client, make_course())
    for query in ("FRACCION", "fracción", "fracc", "camion", "CANCIÓN"):
        body = await (await client.get("/api/v1/search", params={"q": query})).json()
        assert body["results"], query
    body = await (await client.get("/api/v1/search", params={"q": "camion"})).json()
    assert body["results"][0]["lesson_id"] == "intro"


async def test_search_finds_arabic_with_or_without_vowel_marks(
    client: Client, make_course: Any
) -> None:
    await install(
        client,
        make_course("kasr-ar", language="ar", title="الكسور", text="الكَسْرُ جُزْءٌ مِنْ كُلٍّ. أَحْمَد يَقْرَأُ."),
    )
    for query in ("الكسر", "الكَسْرُ", "احمد", "أحمد", "يقرا"):
        body = await (await client.get("/api/v1/search", params={"q": query})).json()
        assert any(r["lesson_id"] == "intro" for r in body["results"]), query


async def test_search_puts_my_language_first(client: Client, make_course: Any) -> None:
    await install(
        client, make_course("fractions-en", language="en", title="Fractions", text="fraction pizza")
    )
    await install(
        client, make_course("fracciones-es", language="es", title="Fracciones", text="pizza")
    )
    for lang in ("en", "es"):
        body = await (
            await client.get("/api/v1/search", params={"q": "pizza", "lang": lang})
        ).json()
        assert body["results"][0]["language"] == lang


async def test_search_treats_operators_as_words(client: Client, make_course: Any) -> None:
    await install(client, make_course())
    for query in ('"', "NEAR(", "fracc*", "a OR b", "-", "title:x", "(((("):
        response = await client.get("/api/v1/search", params={"q": query})
        assert response.status == 200, query
    page = await client.get("/search", params={"q": "<script>alert(1)</script>"})
    html = await page.text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


async def test_text_lesson_renders_markdown_but_not_raw_html(
    client: Client, make_course: Any
) -> None:
    await install(client, make_course(text="Hola **mundo** <script>alert(1)</script>"))
    html = await (await client.get("/courses/fracciones/lessons/intro")).text()
    assert "<strong>mundo</strong>" in html
    assert "<script>alert(1)</script>" not in html


async def test_arabic_course_is_right_to_left(client: Client, make_course: Any) -> None:
    await install(client, make_course("kasr-ar", language="ar", title="الكسور"))
    html = await (await client.get("/courses/kasr-ar")).text()
    assert 'lang="ar" dir="rtl"' in html


async def test_video_supports_range_requests(client: Client, make_course: Any) -> None:
    video = bytes(range(256)) * 100
    await install(client, make_course(video=video))
    response = await client.get(
        "/content/fracciones/media/pizza.webm", headers={"Range": "bytes=100-199"}
    )
    assert response.status == 206
    assert response.headers["Content-Type"] == "video/webm"
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(video)}"
    assert await response.read() == video[100:200]
    whole = await client.get("/content/fracciones/media/pizza.webm")
    assert await whole.read() == video


async def test_activity_files_are_sandboxed(client: Client, make_course: Any) -> None:
    await install(client, make_course())
    response = await client.get("/content/fracciones/juego/index.html")
    assert response.status == 200
    assert response.headers["Content-Security-Policy"] == "sandbox allow-scripts"
    page = await (await client.get("/courses/fracciones/lessons/juego")).text()
    assert 'sandbox="allow-scripts"' in page
    assert "allow-same-origin" not in page


async def test_unknown_and_traversing_paths_are_404_pages(client: Client, make_course: Any) -> None:
    await install(client, make_course())
    for path in (
        "/content/fracciones/../../etc/passwd",
        "/content/fracciones/%2e%2e/%2e%2e/etc/passwd",
        "/content/fracciones/nope.txt",
        "/content/other/intro.md",
        "/courses/nope",
        "/courses/fracciones/lessons/nope",
    ):
        response = await client.get(path)
        assert response.status == 404, path
        assert "Traceback" not in await response.text()


async def test_api_errors_have_one_json_shape(client: Client) -> None:
    response = await client.get("/api/v1/courses/nope")
    assert response.status == 404
    assert await response.json() == {
        "error": {"code": "not_found", "message": "There is no such course on this hub."}
    }
    response = await client.get("/api/v1/nothing-here")
    body = await response.json()
    assert response.status == 404
    assert body["error"]["code"] == "not_found"
