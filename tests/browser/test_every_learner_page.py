"""Every kind of page a learner can reach, signed in, in English and in Arabic (right to left),
on a 360 px phone in real Chromium: WCAG 2.1 AA by axe-core and no sideways scrolling. The pages
are found by following the links from home with the sample courses installed, first as a
guest (the catalogue, the sign-in steps down to the PIN), then signed in: every lesson kind,
the PDF viewer, quizzes, search."""

from __future__ import annotations

import re

from playwright.async_api import Page

from tests.browser.admin.test_teacher_journeys import check_page
from tests.browser.browser_support import LiveHub, visit_every_page
from tests.browser.test_learner_journeys import sign_in


def page_kind(path: str) -> str:
    """Every lesson of every course is a page of its own; a PDF or a search only once."""
    return re.sub(r"(file|q)=[^&]*", r"\1=", path)


async def test_every_learner_page_passes_axe_in_english_and_arabic(
    live_hub: LiveHub, page: Page
) -> None:
    await live_hub.install_samples()
    await live_hub.add_learner("Amina")
    for lang in ("en", "ar"):  # a guest: the catalogue and the sign-in steps down to the PIN
        kinds = await visit_every_page(
            page, live_hub, "/", lang=lang, links="a[href^='/']", kind_of=page_kind,
            check=check_page, who="guest, ",
        )  # fmt: skip
        assert any(re.fullmatch(r"/signin/[^/]+/[^/]+", k) for k in kinds), sorted(kinds)
    await page.goto(live_hub.at("/?lang=en"))
    await sign_in(page, live_hub)
    for lang in ("en", "ar"):
        kinds = await visit_every_page(
            page,
            live_hub,
            "/",
            lang=lang,
            links="a[href^='/']:not([href^='/admin']), iframe[src^='/pdf-viewer']",
            kind_of=page_kind,
            check=check_page,
        )
        lessons = [p for p in kinds if "/lessons/" in p]
        assert len(lessons) >= 15 and any("pdf-viewer" in p for p in kinds), sorted(kinds)
