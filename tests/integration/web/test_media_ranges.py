"""Films and sound in lessons: a player seeking gets exactly the bytes it asked for, the whole
file comes whole, and a new course version is what plays next."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from hubd.content.install import install_folder
from hubd.storage import catalogue
from hubd.web import keys

Client = TestClient[web.Request, web.Application]
FILM = "/content/fracciones/media/pizza.webm"


def film_bytes(size: int, seed: int = 1) -> bytes:
    """Bytes that differ from place to place, so a piece from the wrong offset shows."""
    return bytes((i * 7 + i // 251 + seed) % 256 for i in range(size))


async def install(client: Client, folder: Path) -> None:
    app = client.app
    await install_folder(
        app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], 1_700_000_000_000, folder
    )


async def test_seeking_gets_the_piece_asked_for(client: Client, make_course: Any) -> None:
    video = film_bytes(300_000)
    await install(client, make_course(video=video))
    for asked, start, end in (
        ("bytes=0-1023", 0, 1023),
        ("bytes=150000-199999", 150_000, 199_999),
        ("bytes=299000-", 299_000, 299_999),  # to the end, as players ask
        ("bytes=-500", 299_500, 299_999),  # the last 500 bytes
        ("bytes=299990-400000", 299_990, 299_999),  # an end past the file is the file's end
    ):
        response = await client.get(FILM, headers={"Range": asked})
        assert response.status == 206, asked
        assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(video)}", asked
        assert response.headers["Content-Length"] == str(end - start + 1), asked
        assert response.headers["Content-Type"] == "video/webm"
        assert response.headers["Accept-Ranges"] == "bytes"
        assert await response.read() == video[start : end + 1], asked


async def test_a_range_past_the_end_is_416_with_the_size(client: Client, make_course: Any) -> None:
    video = film_bytes(100_000)
    await install(client, make_course(video=video))
    for asked in ("bytes=100000-", "bytes=500000-500999", "bytes=0-1,5-9", "pieces=0-1"):
        response = await client.get(FILM, headers={"Range": asked})
        assert response.status == 416, asked
        assert response.headers["Content-Range"] == f"bytes */{len(video)}", asked
        assert "That part of the file does not exist" in await response.text(), asked


async def test_whole_film_comes_whole_with_validators(client: Client, make_course: Any) -> None:
    video = film_bytes(200_000)
    await install(client, make_course(video=video))
    response = await client.get(FILM)
    assert response.status == 200
    assert response.headers["Content-Length"] == str(len(video))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert await response.read() == video
    # A browser that kept the film asks again with what it was given; the answers agree.
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    again = await client.get(FILM, headers={"If-None-Match": etag})
    assert again.status == 304
    part = await client.get(FILM, headers={"If-Range": modified, "Range": "bytes=10-19"})
    assert part.status == 206
    assert await part.read() == video[10:20]
    head = await client.head(FILM)
    assert head.status == 200
    assert head.headers["Content-Length"] == str(len(video))
    assert await head.read() == b""


async def test_film_larger_than_the_socket_takes_arrives_intact(
    client: Client, make_course: Any
) -> None:
    video = os.urandom(24 * 1024 * 1024)  # more than a socket's buffer: sent in turns
    await install(client, make_course(video=video))
    whole = await client.get(FILM)
    assert whole.status == 200
    assert await whole.read() == video
    part = await client.get(FILM, headers={"Range": "bytes=1000000-9999999"})
    assert part.status == 206
    assert await part.read() == video[1_000_000:10_000_000]
    # The connection is still good for the next piece after a big one.
    after = await client.get(FILM, headers={"Range": "bytes=5-9"})
    assert await after.read() == video[5:10]


async def test_reinstalled_course_plays_its_new_film(client: Client, make_course: Any) -> None:
    first = film_bytes(150_000, seed=1)
    await install(client, make_course(video=first))
    response = await client.get(FILM, headers={"Range": "bytes=0-99"})
    assert await response.read() == first[:100]
    second = film_bytes(180_000, seed=2)
    await install(client, make_course(version=2, video=second))
    response = await client.get(FILM, headers={"Range": "bytes=0-99"})
    assert response.headers["Content-Range"] == f"bytes 0-99/{len(second)}"
    assert await response.read() == second[:100]
    whole = await client.get(FILM)
    assert await whole.read() == second


async def test_missing_films_are_friendly_404_pages(client: Client, make_course: Any) -> None:
    await install(client, make_course(video=film_bytes(100_000)))
    for path in ("/content/fracciones/media/nope.webm", "/content/otro/media/pizza.webm"):
        response = await client.get(path, headers={"Range": "bytes=0-99"})
        assert response.status == 404, path
        assert "There is no such file in this course" in await response.text(), path
    # The catalogue names the file but the blob store lost it (a damaged disk).
    async with client.app[keys.STORE].reader() as db:
        found = await catalogue.find_file(db, "fracciones", "media/pizza.webm")
    assert found is not None
    client.app[keys.BLOBS].path_for(found.sha256).unlink()
    response = await client.get(FILM, headers={"Range": "bytes=0-99"})
    assert response.status == 404
    assert "file is missing from the hub" in await response.text()


def open_handles_of(path: Path) -> int:
    """How many of this process's file descriptors have `path` open."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{fd}") == str(path)
    return count


async def test_player_that_gives_up_mid_film_leaves_nothing_open(
    client: Client, make_course: Any
) -> None:
    video = os.urandom(24 * 1024 * 1024)
    await install(client, make_course(video=video))
    async with client.app[keys.STORE].reader() as db:
        found = await catalogue.find_file(db, "fracciones", "media/pizza.webm")
    assert found is not None
    blob = client.app[keys.BLOBS].path_for(found.sha256)
    # A player seeking again drops the piece it was getting after a few kilobytes.
    for _ in range(3):
        reader, writer = await asyncio.open_connection(client.host, client.port)
        writer.write(f"GET {FILM} HTTP/1.1\r\nHost: hub\r\nRange: bytes=0-\r\n\r\n".encode())
        await writer.drain()
        assert (await reader.readline()).startswith(b"HTTP/1.1 206")
        await reader.readexactly(64 * 1024)
        writer.close()
    deadline = asyncio.get_running_loop().time() + 30
    while open_handles_of(blob) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert open_handles_of(blob) == 0
    after = await client.get(FILM, headers={"Range": "bytes=100-199"})
    assert await after.read() == video[100:200]
