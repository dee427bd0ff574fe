"""Every page of the teachers' side, in English and in Arabic (right to left), on a 360 px
phone in real Chromium: WCAG 2.1 AA by axe-core and no sideways scrolling. The pages are found
by following the links a signed-in administrator sees, with the sample courses and two
learners in a group on the hub."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.async_api import Page

from tests.browser.admin.test_teacher_journeys import check_page, set_up
from tests.browser.browser_support import LiveHub, visit_every_page


def page_kind(path: str) -> str:
    """One page of each kind: ids and query values do not make a new kind."""
    bare = urlsplit(path).path
    return re.sub(r"/[0-9a-f-]{16,}", "/{id}", bare)


async def test_every_admin_page_passes_axe_in_english_and_arabic(
    live_hub: LiveHub, page: Page
) -> None:
    await live_hub.install_samples()
    await live_hub.add_learner("Amina")
    await live_hub.add_learner("Nour")
    await set_up(page, live_hub)
    for lang in ("en", "ar"):
        kinds = await visit_every_page(
            page, live_hub, "/admin", lang=lang, links="a[href^='/admin']", kind_of=page_kind,
            check=check_page,
        )  # fmt: skip
        assert len(kinds) >= 10, sorted(kinds)
