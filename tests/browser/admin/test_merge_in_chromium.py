"""A teacher on a phone merges two records of the same child in real Chromium (WCAG AA by axe)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from hubd.web import keys
from tests.browser.admin.test_teacher_journeys import check_page, set_up
from tests.browser.browser_support import LiveHub, Screenshots


async def test_teacher_merges_two_records_of_one_child(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    kept = await live_hub.add_learner("Amina Diallo", group="Clase 4B")
    other = await live_hub.add_learner("Amina D.", group="Clase 5A")
    await live_hub.add_learner("Carlos", group="Clase 4B")
    await set_up(page, live_hub)

    await page.goto(live_hub.at("/admin/learners"))
    await page.get_by_role("link", name="Amina Diallo").click()
    await page.get_by_role("link", name="Merge with another record of this child").click()
    await expect(
        page.get_by_role("heading", name="Merge two records of the same child")
    ).to_be_visible()
    # The page guesses records with the same first name; Carlos is not among them.
    choices = page.get_by_role("list").filter(has_text="Amina D.")
    await expect(choices.get_by_role("link", name="Amina D.")).to_be_visible()
    await expect(page.get_by_role("link", name="Carlos")).to_have_count(0)
    await check_page(page, "merge: choose the other record")
    await screenshots.take(page, "merge-choose")

    await page.get_by_role("link", name="Amina D.").click()
    table = page.get_by_role("table", name="The two records side by side")
    await expect(table).to_contain_text("Clase 4B")
    await expect(table).to_contain_text("Clase 5A")
    await expect(page.get_by_role("heading", name="What will happen")).to_be_visible()
    await expect(page.get_by_text("The other record is deactivated")).to_be_visible()
    keep_first = page.get_by_role("radio", name="Keep Amina Diallo")
    await expect(keep_first).to_be_checked()
    await check_page(page, "merge: compare and confirm")
    await screenshots.take(page, "merge-compare")

    await page.get_by_role("button", name="Merge the two records").click()
    await expect(page.get_by_role("status")).to_contain_text("The two records are one now.")
    await expect(page.get_by_role("heading", name="Amina Diallo")).to_be_visible()
    await screenshots.take(page, "merged")

    await page.goto(live_hub.at("/admin/learners"))
    learners = page.get_by_role("table", name="Learners")
    await expect(learners.get_by_role("link", name="Amina Diallo")).to_be_visible()
    await expect(learners.get_by_role("link", name="Amina D.", exact=True)).to_have_count(0)
    async with live_hub.app[keys.STORE].reader() as db:
        row = await (
            await db.execute(
                "SELECT merged_into, active FROM learners WHERE learner_id = ?", (other,)
            )
        ).fetchone()
    assert row is not None and (row[0], row[1]) == (kept, 0)
