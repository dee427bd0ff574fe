"""What a learner sees in Chromium on a phone: the course list, search, a lesson."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from tests.browser.browser_support import LiveHub, Screenshots


async def test_learner_searches_in_spanish_and_opens_the_lesson(
    live_hub: LiveHub, page: Page, make_course: Any, screenshots: Screenshots
) -> None:
    await live_hub.install(make_course())
    await page.goto(live_hub.at("/"))
    await screenshots.take(page, "catalogue")
    await page.get_by_role("searchbox").fill("fraccion")
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_url("**/search?q=fraccion")
    await screenshots.take(page, "results")
    await page.get_by_role("link", name="¿Qué es una fracción?").click()
    await page.get_by_role("heading", name="¿Qué es una fracción?").wait_for()
    assert await page.locator(".prose strong").inner_text() == "fracción"
    await screenshots.take(page, "lesson")
