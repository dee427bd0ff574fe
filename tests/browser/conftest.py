"""Real Chromium (Debian's package) driven by Playwright, against a real hub on a real port.

No browser is downloaded: Playwright launches /usr/bin/chromium. Each step a person would see
can be kept as a screenshot under test-artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    async_playwright,
)

from hubd.config import Config
from hubd.deps import Deps
from hubd.web.app import create_app
from tests.browser.browser_support import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    LiveHub,
    Screenshots,
    chromium_path,
)


@pytest.fixture
async def live_hub(config: Config, deps: Deps) -> AsyncIterator[LiveHub]:
    server = TestServer(create_app(config, deps), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield LiveHub(server.app, str(server.make_url("/")))
    finally:
        await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A small Android phone: 360 px wide, touch."""
    context = await browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="en-US"
    )
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
async def page(phone: BrowserContext) -> AsyncIterator[Page]:
    """A tab; the test fails if one of the hub's own pages breaks its Content-Security-Policy
    (an inline style or script the browser refused: what the learner sees is then not what the
    page meant, like a progress bar drawn full at 0%) or one of its scripts throws. Lesson
    content is not the hub's page."""
    opened = await phone.new_page()
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        if "Content Security Policy" in message.text and "/content/" not in where:
            refused.append(f"{where}: {message.text[:160]}")

    def crashed(error: Error) -> None:
        refused.append(f"uncaught script error: {error.message[:200]}")

    opened.on("console", watch)
    opened.on("pageerror", crashed)
    yield opened
    assert refused == [], "\n".join(refused)


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Screenshots:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    return Screenshots(ARTIFACTS / name)
