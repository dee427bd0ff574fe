"""A learner on a phone, in real Chromium: sign in, search, watch, answer, lose the Wi-Fi."""

from __future__ import annotations

import json

from playwright.async_api import BrowserContext, Locator, Page, Route, expect

from tests.browser.admin.test_teacher_journeys import check_page
from tests.browser.browser_support import LiveHub, Screenshots


async def seek(video: Locator, seconds: float) -> None:
    """Seek as a learner dragging the slider would, and wait until the player got there."""
    await video.evaluate(
        "(v, t) => new Promise(r => { v.addEventListener('seeked', r, {once: true});"
        " v.currentTime = t; })",
        seconds,
    )


async def sign_in(page: Page, hub: LiveHub, name: str = "Amina", pin: str = "4821") -> None:
    await page.goto(hub.at("/"))
    await page.get_by_role("link", name="Sign in").first.click()
    await page.get_by_role("link", name="Clase 4B").click()
    await page.get_by_role("link", name=name).click()
    await page.get_by_label("Your PIN (4 numbers)").fill(pin)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text(f"Hello, {name}")).to_be_visible()


async def test_sign_in_with_group_name_and_pin_then_not_me(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install_samples()
    await live_hub.add_learner("Amina")
    await live_hub.add_learner("Carlos", pin="1357")
    await page.goto(live_hub.at("/signin"))
    await screenshots.take(page, "groups")
    await page.get_by_role("link", name="Clase 4B").click()
    await screenshots.take(page, "names")
    await page.get_by_role("link", name="Amina").click()
    await page.get_by_label("Your PIN (4 numbers)").fill("1111")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("That PIN is not right. Try again.")
    await screenshots.take(page, "wrong pin")
    await page.get_by_label("Your PIN (4 numbers)").fill("4821")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text("Hello, Amina")).to_be_visible()
    await screenshots.take(page, "home")
    # A shared tablet: the next child taps "Not me".
    await page.get_by_role("button", name="Not me").click()
    await expect(page.get_by_role("heading", name="Which is your group?")).to_be_visible()
    await sign_in(page, live_hub, "Carlos", "1357")


async def test_search_in_spanish_finds_the_lesson_without_accents(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install_samples()
    await page.goto(live_hub.at("/?lang=es"))
    await page.get_by_role("searchbox").fill("fraccion")
    await page.get_by_role("button", name="Buscar").click()
    await expect(page.get_by_role("heading", name="Buscar")).to_be_visible()
    first = page.locator(".results li").first
    await expect(first).to_have_attribute("lang", "es")
    await screenshots.take(page, "resultados")
    await page.get_by_role("link", name="¿Qué es una fracción?").click()
    await expect(page.locator(".prose")).to_contain_text("fracción")
    await screenshots.take(page, "leccion")


async def test_video_seeks_and_resumes_where_the_learner_stopped(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install_samples()
    learner = await live_hub.add_learner("Amina")
    await sign_in(page, live_hub)
    await page.goto(live_hub.at("/courses/fracciones-es/lessons/video"))
    video = page.locator("video")
    await expect(video).to_have_js_property("readyState", 4, timeout=15_000)
    await video.evaluate("v => { v.muted = true; return v.play(); }")
    await seek(video, 6)
    await video.evaluate("v => v.pause()")
    await screenshots.take(page, "paused at 6s")
    await page.wait_for_function("() => window.hubProgress.pending() === 0")
    stored = await live_hub.events(learner, "media_position")
    positions = [json.loads(payload)["seconds"] for _, payload in stored]
    assert positions and abs(positions[-1] - 6) < 1
    # Next day, on another page load: the video starts where she stopped.
    await page.goto(live_hub.at("/courses/fracciones-es/lessons/video"))
    await page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v.readyState >= 1 && v.currentTime > 5; }"
    )
    await screenshots.take(page, "resumed")


async def test_finish_the_pre_quiz_one_question_at_a_time(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install_samples()
    learner = await live_hub.add_learner("Amina")
    await sign_in(page, live_hub)
    await page.goto(live_hub.at("/courses/fracciones-es/lessons/pre"))
    await page.get_by_role("link", name="Start").click()
    for number in range(1, 6):
        await expect(page.get_by_text(f"Question {number} of 5")).to_be_visible()
        assert await page.locator("fieldset legend").count() == 1
        await page.locator("label.choice").first.click()
        if number == 1:
            await screenshots.take(page, "question")
        await page.get_by_role("button", name="Check my answer").click()
    await expect(page.get_by_role("heading", name="right.")).to_be_visible()
    await screenshots.take(page, "result")
    scored = await live_hub.events(learner, "quiz_scored")
    assert len(scored) == 1
    assert json.loads(scored[0][1])["max"] == 5
    assert len(await live_hub.events(learner, "answer")) == 5


async def test_progress_made_offline_arrives_once_when_the_wifi_returns(
    live_hub: LiveHub, phone: BrowserContext, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install_samples()
    learner = await live_hub.add_learner("Amina")
    await sign_in(page, live_hub)
    await page.goto(live_hub.at("/courses/fracciones-es/lessons/video"))
    await page.wait_for_function("() => window.hubProgress.pending() === 0")
    before = len(await live_hub.events(learner))
    # The Wi-Fi drops in the middle of the lesson.
    await phone.set_offline(True)
    video = page.locator("video")
    await expect(video).to_have_js_property("readyState", 4, timeout=15_000)
    await seek(video, 3)
    await seek(video, 8)
    await page.wait_for_function("() => window.hubProgress.pending() >= 2")
    assert len(await live_hub.events(learner)) == before, "nothing reached the hub while offline"
    await screenshots.take(page, "offline")

    # When it comes back, the first answer from the hub is lost on the way (the hub stored the
    # batch but the phone never heard): the phone sends it again, and the hub keeps one copy.
    dropped: list[str] = []

    async def lose_first_answer(route: Route) -> None:
        response = await route.fetch()
        if not dropped:
            dropped.append(await response.text())
            await route.abort("connectionreset")
        else:
            await route.fulfill(response=response)

    await page.route("**/api/v1/progress", lose_first_answer)
    await phone.set_offline(False)
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    await page.wait_for_function("() => window.hubProgress.pending() === 0", timeout=30_000)
    assert dropped and json.loads(dropped[0])["accepted"] >= 2
    stored = await live_hub.events(learner, "media_position")
    seconds = [json.loads(p)["seconds"] for _, p in stored]
    assert seconds.count(3) == 1 and seconds.count(8) == 1
    await screenshots.take(page, "back online")


async def test_arabic_interface_is_right_to_left(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install_samples()
    await live_hub.add_learner("أمينة")
    await page.goto(live_hub.at("/"))
    await page.get_by_role("link", name="العربية").click()
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.get_by_role("button", name="بحث")).to_be_visible()
    await screenshots.take(page, "home in arabic")
    # The choice is remembered on the next page.
    await page.get_by_role("link", name="تسجيل الدخول").first.click()
    await expect(page.get_by_role("heading", name="ما هي مجموعتك؟")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    await page.goto(live_hub.at("/courses/al-kharita-ar"))
    await expect(page.locator("article")).to_have_attribute("dir", "rtl")
    # The header's search box sits on the right in a right-to-left page.
    brand = await page.locator(".brand").bounding_box()
    assert brand is not None and brand["x"] > 180
    await screenshots.take(page, "course in arabic")


async def test_a_child_signs_in_by_tapping_two_pictures_in_arabic(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install_samples()
    await live_hub.add_learner("ليلى", group="Clase 2A", pictures=("dog", "star"))
    await page.goto(live_hub.at("/signin?lang=ar"))
    await page.get_by_role("link", name="Clase 2A").click()
    await page.get_by_role("link", name="ليلى").click()
    first = page.get_by_role("group", name="صورتك الأولى")
    second = page.get_by_role("group", name="صورتك الثانية")
    # The wrong order is refused, in the child's language, and nothing is signed in.
    await first.locator("label", has_text="⭐").click()
    await second.locator("label", has_text="🐶").click()
    await page.get_by_role("button", name="تسجيل الدخول").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await screenshots.take(page, "wrong pictures")
    await check_page(page, "picture password (ar)")
    assert "hub_learner" not in {c["name"] for c in await page.context.cookies()}
    await first.locator("label", has_text="🐶").click()
    await second.locator("label", has_text="⭐").click()
    await expect(first.locator("input[value=dog]")).to_be_checked()
    await screenshots.take(page, "pictures chosen")
    await page.get_by_role("button", name="تسجيل الدخول").click()
    await expect(page.get_by_text("مرحبًا يا ليلى")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
