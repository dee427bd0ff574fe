"""Reach: WCAG 2.1 AA by axe-core, a first page under 50 KB, and everything without JavaScript."""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, Response, expect

from tests.browser.browser_support import LiveHub, Screenshots
from tests.browser.test_learner_journeys import sign_in

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


async def assert_accessible(page: Page, where: str) -> None:
    results = await Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


async def test_learner_pages_pass_axe_in_english_and_arabic(live_hub: LiveHub, page: Page) -> None:
    await live_hub.install_samples()
    await live_hub.add_learner("Amina")
    for lang in ("en", "ar"):
        await page.goto(live_hub.at(f"/?lang={lang}"))
        await assert_accessible(page, f"home ({lang})")
        await page.goto(live_hub.at("/signin/g-clase-4b"))
        await assert_accessible(page, f"names ({lang})")
        await page.goto(live_hub.at("/search?q=fraccion"))
        await assert_accessible(page, f"search ({lang})")
    await page.goto(live_hub.at("/?lang=en"))
    await sign_in(page, live_hub)
    for path in (
        "/",
        "/courses/fracciones-es",
        "/courses/fracciones-es/lessons/leccion",
        "/courses/fracciones-es/lessons/video",
        "/courses/fracciones-es/lessons/juego",
        "/courses/al-kharita-ar/lessons/pre",
    ):
        await page.goto(live_hub.at(path))
        await assert_accessible(page, path)
    await page.goto(live_hub.at("/courses/fracciones-es/lessons/pre"))
    await page.get_by_role("link", name="Start").click()
    await assert_accessible(page, "quiz question")


async def test_first_page_load_is_under_50_kb(live_hub: LiveHub, page: Page) -> None:
    await live_hub.install_samples()
    await live_hub.add_learner("Amina")
    sizes: dict[str, int] = {}

    async def count(response: Response) -> None:
        kind = response.request.resource_type
        if kind in ("document", "stylesheet", "script") and not 300 <= response.status < 400:
            sizes[response.url] = len(await response.body())

    page.on("response", count)
    await page.goto(live_hub.at("/"))
    await page.wait_for_load_state("networkidle")
    anonymous = sum(sizes.values())
    sizes.clear()
    await sign_in(page, live_hub)
    await page.goto(live_hub.at("/courses/fracciones-es/lessons/leccion"))
    await page.wait_for_load_state("networkidle")
    lesson = sum(sizes.values())
    assert anonymous < 50_000, sizes
    assert lesson < 50_000, sizes
    urls = " ".join(sizes)
    assert "http" in urls and all(u.startswith(live_hub.url.rstrip("/")) for u in sizes), (
        "nothing is loaded from anywhere but the hub"
    )


async def test_phone_width_never_scrolls_sideways(live_hub: LiveHub, page: Page) -> None:
    await live_hub.install_samples()
    await live_hub.add_learner("Amina")
    await sign_in(page, live_hub)
    for path in (
        "/",
        "/courses/al-kharita-ar",
        "/courses/fracciones-es/lessons/juego",
        "/search?q=agua",
    ):
        await page.goto(live_hub.at(path))
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"


async def test_everything_works_with_javascript_off(
    live_hub: LiveHub, browser: Browser, screenshots: Screenshots
) -> None:
    await live_hub.install_samples()
    learner = await live_hub.add_learner("Amina")
    context = await browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    try:
        page = await context.new_page()
        await page.goto(live_hub.at("/"))
        await page.get_by_role("searchbox").fill("agua")
        await page.get_by_role("button", name="Search").click()
        await expect(page.locator(".results li").first).to_be_visible()
        await sign_in(page, live_hub)
        await page.goto(live_hub.at("/courses/water-health-en/lessons/pre"))
        await page.get_by_role("link", name="Start").click()
        for _ in range(5):
            await page.locator("label.choice").nth(1).click()
            await page.get_by_role("button", name="Check my answer").click()
        await expect(page.get_by_role("heading", name="right.")).to_be_visible()
        await screenshots.take(page, "quiz without javascript")
        await page.goto(live_hub.at("/courses/water-health-en"))
        lesson_link = page.locator(".lesson.kind-text a").first
        await lesson_link.click()
        await page.get_by_role("button", name="I have finished: next lesson").click()
        await screenshots.take(page, "finished without javascript")
    finally:
        await context.close()
    types = [kind for kind, _ in await live_hub.events(learner)]
    assert types.count("quiz_scored") == 1
    assert types.count("lesson_completed") == 2  # the quiz, and the text lesson


async def test_the_skip_link_shows_only_with_the_keyboard(live_hub: LiveHub, page: Page) -> None:
    await live_hub.install_samples()
    for lang in ("en", "ar"):
        await page.goto(live_hub.at(f"/?lang={lang}"))
        skip = page.locator("a.skip")
        hidden = await skip.bounding_box()
        assert hidden is not None and hidden["width"] <= 1 and hidden["height"] <= 1, hidden
        await page.keyboard.press("Tab")
        await expect(skip).to_be_focused()
        shown = await skip.bounding_box()
        assert shown is not None and shown["width"] > 40 and shown["x"] >= 0, shown
        assert shown["x"] + shown["width"] <= 360, shown
