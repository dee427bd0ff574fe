"""Helpers for browser tests: finding Debian's Chromium, the live hub, screenshots."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from playwright.async_api import Page

from hubd.content.install import install_folder
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
