"""A teacher on a 360 px phone in real Chromium: first-run setup, a CSV import with a bad row,
assigning a course, a learner finishing a lesson and the teacher seeing it; WCAG AA by axe;
nothing loaded from outside; the staff cookie out of reach of lesson activities."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, FilePayload, Page, Request, expect

from hubd.web import keys
from tests.browser.browser_support import LiveHub, Screenshots

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PASSWORD = "a good long password"
CSV = (
    "\ufeffNombre;Grupo;PIN\r\n"
    "Amina;Clase 4B;1234\r\n"
    "Carlos;Clase 4B;12x4\r\n"
    "<script>alert(1)</script> أحمد 🦊;Clase 4B;\r\n"
)


async def check_page(page: Page, where: str) -> None:
    """WCAG AA by axe-core, and no sideways scrolling at 360 px."""
    results = await Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"
    overflow = await page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"{where}: {overflow}px wider than the phone"


def only_the_hub(page: Page, hub: LiveHub) -> list[str]:
    """Collect every request that goes anywhere but the hub."""
    outside: list[str] = []
    host = urlsplit(hub.url).netloc

    def seen(request: Request) -> None:
        if (
            urlsplit(request.url).scheme in ("http", "https")
            and urlsplit(request.url).netloc != host
        ):
            outside.append(request.url)

    page.on("request", seen)
    return outside


async def set_up(page: Page, hub: LiveHub) -> None:
    await page.goto(hub.at("/admin"))
    await expect(page).to_have_url(re.compile(r"/setup$"))
    await page.get_by_label("Your name").fill("Directora Ana")
    await page.get_by_label("Username").fill("ana")
    await page.get_by_label("Password (at least 8 characters)").fill(PASSWORD)
    await page.get_by_label("The same password again").fill(PASSWORD)
    await page.get_by_role("button", name="Create the administrator").click()
    await expect(page.get_by_role("heading", name="Groups", exact=True)).to_be_visible()


async def make_group(page: Page, hub: LiveHub, name: str) -> None:
    await page.goto(hub.at("/admin"))
    await page.get_by_label("Group name").fill(name)
    await page.get_by_role("button", name="Make the group").click()
    await expect(page.get_by_role("heading", name=name)).to_be_visible()


async def test_first_run_setup_on_a_phone(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    outside = only_the_hub(page, live_hub)
    await page.goto(live_hub.at("/setup"))
    await check_page(page, "setup")
    await screenshots.take(page, "setup")
    await page.get_by_label("Your name").fill("Directora Ana")
    await page.get_by_label("Username").fill("ana")
    await page.get_by_label("Password (at least 8 characters)").fill("short")
    await page.get_by_label("The same password again").fill("short")
    # The browser's own check stops a short password; the hub's check is in the HTTP tests.
    await set_up(page, live_hub)
    await screenshots.take(page, "groups")
    await check_page(page, "home")
    cookies = {c["name"]: c for c in await page.context.cookies()}
    staff = cookies["hub_staff"]
    assert staff["httpOnly"] and staff["sameSite"] == "Strict" and staff["path"] == "/admin"
    # Setup is closed from now on.
    await page.goto(live_hub.at("/setup"))
    await expect(page).to_have_url(re.compile(r"/admin"))
    await page.goto(live_hub.at("/admin/hub?lang=ar"))
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await check_page(page, "hub page in Arabic")
    await screenshots.take(page, "hub in arabic")
    assert outside == []


async def test_csv_import_with_a_bad_row(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    await set_up(page, live_hub)
    await page.goto(live_hub.at("/admin/import"))
    await check_page(page, "import")
    await page.get_by_label("CSV file").set_input_files(
        files=[FilePayload(name="clase.csv", mimeType="text/csv", buffer=CSV.encode())]
    )
    await page.get_by_role("button", name="Show the preview").click()
    await expect(page.get_by_role("status")).to_contain_text("2 learners can be saved.")
    problem = page.get_by_role("row").filter(has_text="Carlos")
    await expect(problem).to_contain_text("is not 4 digits")
    await check_page(page, "preview")
    await screenshots.take(page, "preview")
    await page.get_by_role("button", name=re.compile("Save 2 learners and skip")).click()
    await expect(page.get_by_role("status")).to_contain_text("The learners are saved")
    await expect(page.get_by_role("heading", name="Clase 4B")).to_be_visible()
    await expect(page.get_by_text("<script>alert(1)</script> أحمد 🦊").first).to_be_visible()
    await screenshots.take(page, "group after import")
    await page.get_by_role("link", name="Print login cards").click()
    await expect(page.locator(".login-card")).to_have_count(2)
    await expect(page.locator(".login-card").filter(has_text="Amina")).to_contain_text("1234")
    await check_page(page, "cards")
    await screenshots.take(page, "cards")


async def test_assign_a_course_and_see_a_learner_finish_a_lesson(
    live_hub: LiveHub, browser: Browser, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install_samples()
    await set_up(page, live_hub)
    await make_group(page, live_hub, "Clase 4B")
    await page.get_by_label("Assign a course").select_option(label="Fracciones (es)")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label("Due date (optional)").fill("2030-06-30")
    await check_page(page, "assign")
    await page.get_by_role("button", name="Assign", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("Assigned.")
    await expect(page.get_by_role("listitem").filter(has_text="Fracciones")).to_contain_text(
        "due 2030-06-30"
    )
    await screenshots.take(page, "assigned")
    await page.get_by_role("link", name="Add or edit learners").click()
    await page.get_by_label("Name", exact=True).fill("Amina")
    await page.get_by_role("button", name="Add the learner").click()
    await live_hub.app[keys.SECRET_HASHER].wait_idle()
    await page.get_by_role("link", name="Print login card").click()
    pin = (await page.locator(".card-secret strong").inner_text()).strip()

    learner_context = await browser.new_context(viewport={"width": 360, "height": 740})
    try:
        child = await learner_context.new_page()
        await child.goto(live_hub.at("/signin"))
        await child.get_by_role("link", name="Clase 4B").click()
        await child.get_by_role("link", name="Amina").click()
        await child.get_by_label("Your PIN (4 numbers)").fill(pin)
        await child.get_by_role("button", name="Sign in").click()
        await expect(child.get_by_text("Hello, Amina")).to_be_visible()
        await child.goto(live_hub.at("/courses/fracciones-es/lessons/leccion"))
        await child.get_by_role("button", name=re.compile("I have finished")).click()
        await expect(child).to_have_url(re.compile(r"/lessons/video$"))
    finally:
        await learner_context.close()

    await page.goto(live_hub.at("/admin"))
    await page.get_by_role("link", name="Clase 4B").click()
    details = page.get_by_role("table", name="Progress in each course")
    row = details.get_by_role("row").filter(has_text="Amina")
    await expect(row).to_contain_text("Fracciones")
    await expect(row.locator("td.number").first).to_have_text("1")  # lessons completed
    await check_page(page, "group with progress")
    await screenshots.take(page, "teacher sees progress")


async def test_staff_cookie_never_reaches_a_lesson_activity(live_hub: LiveHub, page: Page) -> None:
    await live_hub.install_samples()
    await set_up(page, live_hub)
    sent: list[tuple[str, str]] = []
    pending = []

    def record(request: Request) -> None:
        async def headers() -> None:
            sent.append((request.url, (await request.all_headers()).get("cookie", "")))

        if "/admin/" in request.url:
            pending.append(asyncio.ensure_future(headers()))

    page.context.on("request", record)
    await page.goto(live_hub.at("/courses/fracciones-es/lessons/juego"))
    frame = page.frame_locator("iframe.activity")
    await expect(frame.locator("body")).to_be_attached()
    activity = next(f for f in page.frames if "/content/" in f.url)
    cookie = await activity.evaluate(
        "() => { try { return document.cookie; } catch (e) { return 'blocked: ' + e.name; } }"
    )
    assert cookie.startswith("blocked"), cookie
    outcome = await activity.evaluate(
        "() => fetch('/admin/learners', {mode: 'no-cors', credentials: 'include'})"
        ".then(r => 'answered ' + r.type).catch(e => 'refused ' + e.name)"
    )
    await asyncio.gather(*pending)
    assert sent, f"the activity's request was not seen ({outcome})"
    for url, cookie_header in sent:
        assert "hub_staff" not in cookie_header, (url, cookie_header)
    # The same request from the hub's own page does carry it: the check above can see a cookie.
    sent.clear()
    await page.evaluate("() => fetch('/admin/learners?from=page', {credentials: 'include'})")
    await asyncio.gather(*pending)
    assert sent and "hub_staff=" in sent[0][1]
    # The teacher's own page still has the session.
    await page.goto(live_hub.at("/admin/learners"))
    await expect(page.get_by_role("heading", name="Learners")).to_be_visible()
