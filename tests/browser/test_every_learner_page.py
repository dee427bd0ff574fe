"""Every kind of page a learner can reach, signed in, in English and in Arabic (right to left),
on a 360 px phone in real Chromium: WCAG 2.1 AA by axe-core and no sideways scrolling. The pages
are found by following the links from home with the sample courses installed: every lesson
kind, the PDF viewer, quizzes, search, sign-in pages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.async_api import Page

from tests.browser.admin.test_teacher_journeys import check_page
from tests.browser.browser_support import LiveHub
from tests.browser.test_learner_journeys import sign_in


async def test_every_learner_page_passes_axe_in_english_and_arabic(
    live_hub: LiveHub, page: Page
) -> None:
    await live_hub.install_samples()
    await live_hub.add_learner("Amina")
    await sign_in(page, live_hub)
    for lang in ("en", "ar"):
        await page.goto(live_hub.at(f"/?lang={lang}"))
        queue, seen = ["/"], set()
        while queue:
            path = queue.pop(0)
            # Every lesson of every course, but a PDF or a search only once each.
            shape = re.sub(r"(file|q)=[^&]*", r"\1=", path)
            if shape in seen:
                continue
            seen.add(shape)
            response = await page.goto(live_hub.at(path))
            assert response is not None and response.status == 200, path
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            await check_page(page, f"{path} ({lang})")
            for href in await page.eval_on_selector_all(
                "a[href^='/'], iframe[src^='/pdf-viewer']",
                "links => links.map(a => a.getAttribute('href') || a.getAttribute('src'))",
            ):
                target = urlsplit(href)
                if target.path.startswith(("/content/", "/static/", "/admin")):
                    continue  # files and the teachers' side, not learner pages
                if "lang=" not in target.query and "download" not in target.query:
                    queue.append(href)
        lessons = [p for p in seen if "/lessons/" in p]
        assert len(lessons) >= 15 and any("pdf-viewer" in p for p in seen), sorted(seen)
