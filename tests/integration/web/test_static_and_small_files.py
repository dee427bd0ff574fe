"""The hub's own CSS/JS and small course files come from memory, with validators a browser
can use: versioned static URLs kept for a year, ETags elsewhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from hubd.content.install import install_folder
from hubd.resources import webui_dir
from hubd.web import keys
from hubd.web.static_files import StaticFiles

Client = TestClient[web.Request, web.Application]
STYLESHEET_RE = re.compile(r'<link rel="stylesheet" href="(/static/hub\.css\?v=[0-9a-f]{16})">')


async def install(client: Client, folder: Path) -> None:
    app = client.app
    await install_folder(
        app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], 1_700_000_000_000, folder
    )


async def test_page_links_a_versioned_stylesheet_kept_for_a_year(client: Client) -> None:
    html = await (await client.get("/")).text()
    match = STYLESHEET_RE.search(html)
    assert match is not None, html[:400]
    response = await client.get(match.group(1))
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "immutable" in response.headers["Cache-Control"]
    assert await response.read() == (webui_dir() / "static" / "hub.css").read_bytes()


async def test_plain_or_old_static_url_is_revalidated_not_kept(client: Client) -> None:
    for url in ("/static/hub.css", "/static/hub.css?v=0000000000000000"):
        response = await client.get(url)
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-cache"
        again = await client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status == 304
        assert await again.read() == b""


async def test_static_url_changes_when_the_file_changes(tmp_path: Path) -> None:
    (tmp_path / "hub.css").write_text("body { color: black }")
    before = StaticFiles(tmp_path).url("hub.css")
    (tmp_path / "hub.css").write_text("body { color: navy }")
    after = StaticFiles(tmp_path).url("hub.css")
    assert before != after
    assert before.startswith("/static/hub.css?v=")


async def test_vendored_module_is_served_as_javascript(client: Client) -> None:
    response = await client.get("/static/vendor/pdfjs/pdf.min.mjs")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/javascript")


async def test_unknown_or_traversing_static_path_is_a_404_page(client: Client) -> None:
    for path in ("/static/nope.css", "/static/../hubd.toml", "/static/%2e%2e/templates/base.html"):
        response = await client.get(path)
        assert response.status == 404, path
        assert "There is nothing here" in await response.text()


async def test_small_course_file_has_an_etag_and_still_answers_ranges(
    client: Client, make_course: Any
) -> None:
    await install(client, make_course())
    response = await client.get("/content/fracciones/intro.md")
    assert response.status == 200
    body = await response.read()
    assert "fracción".encode() in body
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    etag = response.headers["ETag"]
    again = await client.get("/content/fracciones/intro.md", headers={"If-None-Match": etag})
    assert again.status == 304
    part = await client.get("/content/fracciones/intro.md", headers={"Range": "bytes=0-3"})
    assert part.status == 206
    assert await part.read() == body[:4]


async def test_new_course_version_serves_the_new_small_file(
    client: Client, make_course: Any
) -> None:
    await install(client, make_course(text="Primera versión."))
    first = await client.get("/content/fracciones/intro.md")
    assert b"Primera" in await first.read()
    await install(client, make_course(version=2, text="Segunda versión."))
    second = await client.get(
        "/content/fracciones/intro.md", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert second.status == 200
    assert b"Segunda" in await second.read()
