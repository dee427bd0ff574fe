"""Helpers for browser tests: finding Debian's Chromium, the live hub, screenshots."""

from __future__ import annotations

import re
import shutil
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from playwright.async_api import Page

from hubd.auth.hashing import hash_learner_secret
from hubd.content.install import install_folder
from hubd.resources import samples_dir
from hubd.storage import people
from hubd.web import keys

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(
        "Debian's chromium is not installed: run ./scripts/test-all.sh, which installs it."
    )


@dataclass
class LiveHub:
    """A hub serving on a real TCP port, with its app at hand for seeding data."""

    app: web.Application
    url: str

    def at(self, path: str) -> str:
        return self.url.rstrip("/") + path

    async def install_samples(self) -> None:
        """The sample courses the demo hub has (English, Spanish, Arabic)."""
        for folder in sorted(samples_dir().iterdir()):
            if (folder / "course.json").is_file():
                await self.install(folder)

    async def add_learner(
        self,
        name: str,
        group: str = "Clase 4B",
        pin: str = "4821",
        pictures: tuple[str, str] | None = None,
    ) -> str:
        """A learner with a PIN in a group that signs in by PIN (or, given ``pictures``, with
        two pictures in a group that signs in by pictures); returns the learner id."""
        app = self.app
        store, clock = app[keys.STORE], app[keys.CLOCK]
        group_id = "g-" + group.lower().replace(" ", "-")
        async with store.reader() as db:
            exists = await (
                await db.execute("SELECT 1 FROM learner_groups WHERE group_id = ?", (group_id,))
            ).fetchone()
        if exists is None:
            style = "picture" if pictures else "pin"
            await store.write(people.add_group(group_id, group, clock.now(0), sign_in=style))
        learner_id = str(uuid.uuid4())
        await store.write(
            people.add_learner(
                learner_id, name, app[keys.IDENTITY].hub_id, clock.now(0), group_id=group_id
            )
        )
        pin_hash = hash_learner_secret(pin)
        picture_hash = hash_learner_secret(" ".join(pictures)) if pictures else None

        def set_pin(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE learners SET pin_hash = ?, picture = ? WHERE learner_id = ?",
                (pin_hash, picture_hash, learner_id),
            )

        await store.write(set_pin)
        return learner_id

    async def events(self, learner_id: str, event_type: str | None = None) -> list[tuple[str, str]]:
        """(event type, payload) of a learner's stored events, oldest first."""
        async with self.app[keys.STORE].reader() as db:
            cursor = await db.execute(
                "SELECT event_type, payload FROM progress_events WHERE learner_id = ?"
                " AND (? IS NULL OR event_type = ?) ORDER BY seq",
                (learner_id, event_type, event_type),
            )
            return [(str(r[0]), str(r[1])) for r in await cursor.fetchall()]

    async def install(self, folder: Path) -> None:
        """Install a course package folder, as a stick would."""
        app = self.app
        await install_folder(
            app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], app[keys.DEPS].wall_ms(), folder
        )


class Screenshots:
    """Numbered screenshots of a test's steps, kept as artifacts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    async def take(self, page: Page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower())}.png"
        await page.screenshot(path=str(path), full_page=True)
        return path


async def visit_every_page(
    page: Page,
    hub: LiveHub,
    start: str,
    *,
    lang: str,
    links: str,
    kind_of: Callable[[str], str],
    check: Callable[[Page, str], Awaitable[None]],
    who: str = "",
) -> set[str]:
    """In language ``lang``, follow the links matching the CSS selector ``links`` from
    ``start``, one page of each kind (``kind_of`` a path), checking each page as a person sees
    it (``check(page, where)``); the kinds visited. Files, downloads and language switches are
    not pages of their own."""
    await page.goto(hub.at(f"{start}?lang={lang}"))
    queue, kinds = [start], set()
    while queue:
        path = queue.pop(0)
        if kind_of(path) in kinds:
            continue
        kinds.add(kind_of(path))
        response = await page.goto(hub.at(path))
        assert response is not None and response.status == 200, path
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        await check(page, f"{path} ({who}{lang})")
        targets = "links => links.map(a => a.getAttribute('href') || a.getAttribute('src'))"
        for href in await page.eval_on_selector_all(links, targets):
            target = urlsplit(href)
            if target.path.startswith(("/content/", "/static/")):
                continue
            if "lang=" not in target.query and "download" not in target.query:
                queue.append(href)
    return kinds
