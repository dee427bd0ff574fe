"""A learner reads a PDF worksheet on a 360 px phone: pdf.js from the hub draws it, page by page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Frame, Page, expect

from hubd.resources import samples_dir
from tests.browser.browser_support import LiveHub, Screenshots

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
LESSON = "/courses/water-health-en/lessons/worksheet"
WORKSHEET = "/content/water-health-en/worksheet.pdf"
# Records what the Content-Security-Policy blocked, in the page and in every frame.
WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""
# Share of a canvas's pixels that are not white: ink, lines, shading.
INKED_SHARE = """
(canvas) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) inked++;
  }
  return inked / (canvas.width * canvas.height);
}
"""
# Page 2 drawn again, wider than it was.
REDRAWN_WIDER = """
(width) => {
  const canvas = document.querySelector('.pdf-page[data-page="2"][data-rendered] canvas');
  return canvas !== null && canvas.getBoundingClientRect().width >= width;
}
"""


async def _viewer_frame(page: Page) -> Frame:
    handle = await page.locator("iframe.pdf").element_handle()
    assert handle is not None
    frame = await handle.content_frame()
    assert frame is not None
    await frame.locator("#pdf-viewer[data-ready]").wait_for()
    return frame


async def _canvas_width(frame: Frame, number: int) -> float:
    canvas = frame.locator(f'.pdf-page[data-page="{number}"][data-rendered] canvas')
    box = await canvas.bounding_box()
    assert box is not None
    return box["width"]


async def test_learner_reads_worksheet_pages_and_zooms(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install(samples_dir() / "water-health-en")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.add_init_script(WATCH_CSP)

    await page.goto(live_hub.at(LESSON))
    frame = await _viewer_frame(page)
    status = frame.locator(".pdf-status")
    await expect(status).to_have_text("Page 1 of 2")
    first = frame.locator('.pdf-page[data-page="1"][data-rendered] canvas')
    await first.wait_for()
    assert await first.evaluate(INKED_SHARE) > 0.005, "page 1 was drawn blank"
    # Fitted to the frame's width: no sideways scrolling on a phone.
    frame_width = await frame.evaluate("document.documentElement.clientWidth")
    assert 0.8 * frame_width <= await _canvas_width(frame, 1) <= frame_width
    await screenshots.take(page, "worksheet page 1")

    await frame.get_by_role("button", name="Next page").click()
    await expect(status).to_have_text("Page 2 of 2")
    second = frame.locator('.pdf-page[data-page="2"][data-rendered] canvas')
    await second.wait_for()
    assert await second.evaluate(INKED_SHARE) > 0.005, "page 2 was drawn blank"
    await expect(frame.get_by_role("button", name="Next page")).to_be_disabled()
    top = await frame.evaluate(
        "document.querySelector('.pdf-page[data-page=\"2\"]').getBoundingClientRect().top"
    )
    toolbar_bottom = await frame.evaluate(
        "document.querySelector('.pdf-toolbar').getBoundingClientRect().bottom"
    )
    assert toolbar_bottom <= top <= toolbar_bottom + 20, "page 2 is not at the top"
    await page.locator("iframe.pdf").screenshot(path=str(screenshots.folder / "02-page-2.png"))

    fitted = await _canvas_width(frame, 2)
    await frame.get_by_role("button", name="Zoom in").click()
    await frame.locator("#pdf-viewer[data-zoom='1.25']").wait_for()
    await expect(status).to_have_text("Page 2 of 2")
    await frame.wait_for_function(REDRAWN_WIDER, arg=fitted * 1.2)
    zoomed = frame.locator('.pdf-page[data-page="2"][data-rendered] canvas')
    assert await zoomed.evaluate(INKED_SHARE) > 0.005
    await page.locator("iframe.pdf").screenshot(path=str(screenshots.folder / "03-zoomed-in.png"))
    await frame.get_by_role("button", name="Zoom out").click()
    await frame.locator("#pdf-viewer[data-zoom='1']").wait_for()

    assert errors == []
    assert await frame.evaluate("window.cspViolations") == []
    assert await page.evaluate("window.cspViolations") == []


async def test_viewer_labels_are_in_the_learners_language(
    live_hub: LiveHub, page: Page, screenshots: Screenshots
) -> None:
    await live_hub.install(samples_dir() / "al-kharita-ar")
    viewer = "/pdf-viewer?file=" + quote("/content/al-kharita-ar/waraqa.pdf") + "&lang=ar"
    await page.goto(live_hub.at(viewer))
    await page.locator("#pdf-viewer[data-ready]").wait_for()
    await page.locator('.pdf-page[data-page="1"][data-rendered] canvas').wait_for()
    assert await page.get_attribute("html", "dir") == "rtl"
    await expect(page.locator(".pdf-status")).to_have_text("الصفحة 1 من 2")
    await expect(page.get_by_role("button", name="الصفحة التالية")).to_be_enabled()
    await screenshots.take(page, "arabic viewer")
    results = await Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


async def test_viewer_refuses_files_that_are_not_the_hubs_course_pdfs(
    live_hub: LiveHub, page: Page
) -> None:
    await live_hub.install(samples_dir() / "water-health-en")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    refused = [
        "/content/water-health-en/../../../etc/passwd",
        "/content/water-health-en/%2e%2e/%2e%2e/hubd.toml",
        "/content/../data/hub.db",
        "https://example.org/worksheet.pdf",
        "//example.org/worksheet.pdf",
        "javascript:alert(1)",
        "/content/water-health-en/lesson.md",
        "/static/vendor/pdfjs/LICENSE",
        "/content/water-health-en/missing.pdf",
    ]
    for file in refused:
        response = await page.goto(live_hub.at("/pdf-viewer?file=" + quote(file, safe="")))
        assert response is not None and response.status == 404, file
        await expect(page.get_by_text("There is no such PDF on this hub.")).to_be_visible()
    assert all(url.startswith(live_hub.url) for url in asked), asked


async def test_without_javascript_the_worksheet_can_be_downloaded(
    live_hub: LiveHub, browser: Browser, screenshots: Screenshots
) -> None:
    await live_hub.install(samples_dir() / "water-health-en")
    context = await browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await page.goto(live_hub.at("/pdf-viewer?file=" + quote(WORKSHEET)))
        await expect(page.get_by_role("toolbar")).to_be_hidden()
        link = page.get_by_role("link", name="Download the PDF")
        await expect(link).to_be_visible()
        assert await link.get_attribute("href") == WORKSHEET
        await screenshots.take(page, "no javascript")
    finally:
        await context.close()


def _long_pdf(pages: int) -> bytes:
    """A PDF of many A4 pages, each a blue band and its number in big letters."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1"
               b" /BaseFont /Helvetica >>"]  # fmt: skip
    kids = []
    for number in range(1, pages + 1):
        stream = f"0.1 0.3 0.7 rg 50 560 495 220 re f BT /F1 64 Tf 90 420 Td (Page {number}) Tj ET"
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream.encode()))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources"
            b" << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % len(objects)
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for index, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (index, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


async def test_long_pdf_draws_only_the_pages_near_the_screen(
    live_hub: LiveHub, page: Page, make_course: Any, screenshots: Screenshots
) -> None:
    await live_hub.install(make_course(extra_files={"libro.pdf": _long_pdf(30)}))
    await page.goto(live_hub.at("/pdf-viewer?file=" + quote("/content/fracciones/libro.pdf")))
    await page.locator("#pdf-viewer[data-ready]").wait_for()
    await expect(page.locator(".pdf-status")).to_have_text("Page 1 of 30")
    await page.locator('.pdf-page[data-page="1"][data-rendered] canvas').wait_for()
    assert await page.locator(".pdf-page").count() == 30
    assert await page.locator(".pdf-page[data-rendered]").count() <= 4

    for _ in range(9):
        await page.get_by_role("button", name="Next page").click()
    await expect(page.locator(".pdf-status")).to_have_text("Page 10 of 30")
    tenth = page.locator('.pdf-page[data-page="10"][data-rendered] canvas')
    await tenth.wait_for()
    assert await tenth.evaluate(INKED_SHARE) > 0.05
    # Pages far behind give their canvas back: an old phone keeps a few pages in memory.
    await expect(page.locator('.pdf-page[data-page="1"][data-rendered]')).to_have_count(0)
    assert await page.locator(".pdf-page[data-rendered]").count() <= 5
    # The screen only: the whole page would be thirty pages tall.
    await page.screenshot(path=str(screenshots.folder / "01-page-10-of-30.png"))
