"""Fixtures shared by every part's tests: a hub on a real SQLite file, course packages."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hubd.config import Config, HubSection, StorageSection, WebSection
from hubd.deps import Deps, DiskUsage
from hubd.web.app import create_app

CourseFactory = Callable[..., Path]
HubClient = TestClient[web.Request, web.Application]


@pytest.fixture(autouse=True)
def no_threads_left_behind() -> Iterator[None]:
    """Fail a test that leaves a thread running (a store or executor not closed)."""
    before = set(threading.enumerate())
    yield
    leftover = []
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
        if thread.is_alive():
            leftover.append(thread.name)
    assert not leftover, f"threads left running: {leftover}"


class FakeNotifier:
    """Records what the hub tells systemd."""

    def __init__(self, watchdog_interval: float | None = None) -> None:
        self.states: list[str] = []
        self._interval = watchdog_interval

    @property
    def watchdog_interval(self) -> float | None:
        return self._interval

    def notify(self, state: str) -> bool:
        self.states.append(state)
        return True


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()


@pytest.fixture
def deps(notifier: FakeNotifier) -> Deps:
    return Deps(notifier=notifier, disk_usage=lambda _p: DiskUsage(32 << 30, 8 << 30, 24 << 30))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        hub=HubSection(name="Test Hub", data_dir=tmp_path / "data"),
        web=WebSection(host="127.0.0.1", port=0),
        storage=StorageSection(min_free_mb=0),
    )


@pytest.fixture
async def client(
    config: Config, deps: Deps
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The hub's app behind aiohttp's test client, on a real database in a temp dir."""
    app = create_app(config, deps)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)


QUIZ = {
    "questions": [
        {"id": "q1", "prompt": "¿Cuánto es 1/2 + 1/2?", "choices": ["1", "2", "1/4"], "answer": 0},
        {"id": "q2", "prompt": "¿Qué fracción es mayor?", "choices": ["1/3", "1/2"], "answer": 1},
    ]
}


@pytest.fixture
def make_course(tmp_path: Path) -> CourseFactory:
    """Write a small but complete course package folder and return its path."""
    counter = iter(range(1_000_000))

    def factory(
        course_id: str = "fracciones",
        *,
        version: int = 1,
        language: str = "es",
        title: str = "Fracciones",
        text: str = "Una **fracción** es una parte de un número entero. Camión y canción.",
        video: bytes = b"\x1aE\xdf\xa3" + bytes(range(256)) * 40,
        manifest_changes: dict[str, Any] | None = None,
        extra_files: dict[str, bytes] | None = None,
    ) -> Path:
        folder = tmp_path / f"pkg-{next(counter)}-{course_id}"
        manifest: dict[str, Any] = {
            "format": 1,
            "id": course_id,
            "version": version,
            "language": language,
            "title": title,
            "description": "Partes de un todo.",
            "subject": "math",
            "modules": [
                {
                    "id": "m1",
                    "title": "Empezar",
                    "lessons": [
                        {
                            "id": "pre",
                            "kind": "quiz",
                            "title": "Antes",
                            "file": "quiz.json",
                            "assessment": "pre",
                        },
                        {
                            "id": "intro",
                            "kind": "text",
                            "title": "¿Qué es una fracción?",
                            "file": "intro.md",
                        },
                        {
                            "id": "video",
                            "kind": "video",
                            "title": "Partir una pizza",
                            "file": "media/pizza.webm",
                            "captions": "media/pizza.vtt",
                        },
                        {"id": "ficha", "kind": "pdf", "title": "Ficha", "file": "ficha.pdf"},
                        {
                            "id": "juego",
                            "kind": "html5",
                            "title": "Juego",
                            "file": "juego/index.html",
                        },
                        {
                            "id": "post",
                            "kind": "quiz",
                            "title": "Después",
                            "file": "quiz.json",
                            "assessment": "post",
                        },
                    ],
                }
            ],
        }
        manifest.update(manifest_changes or {})
        _write(folder / "course.json", json.dumps(manifest, ensure_ascii=False))
        _write(folder / "intro.md", text)
        _write(folder / "quiz.json", json.dumps(QUIZ, ensure_ascii=False))
        _write(folder / "media/pizza.webm", video)
        _write(
            folder / "media/pizza.vtt",
            "WEBVTT\n\n00:00.000 --> 00:02.000\nUna pizza en cuatro partes\n",
        )
        _write(folder / "ficha.pdf", b"%PDF-1.4\n%%EOF\n")
        _write(folder / "juego/index.html", "<!doctype html><script src='juego.js'></script>")
        _write(folder / "juego/juego.js", "document.title = 'juego';")
        for name, data in (extra_files or {}).items():
            _write(folder / name, data)
        return folder

    return factory
