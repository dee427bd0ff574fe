"""The viewer opens only a course's own PDF, named by its plain /content/ path."""

from __future__ import annotations

import pytest

from hubd.web.learn.pdf_viewer import CoursePdf, course_pdf


def test_a_course_pdf_is_accepted() -> None:
    found = course_pdf("/content/water-health-en/sheets/worksheet.PDF")
    assert found == CoursePdf("water-health-en", "sheets/worksheet.PDF")
    assert found.url == "/content/water-health-en/sheets/worksheet.PDF"


@pytest.mark.parametrize(
    "file",
    [
        None,
        "",
        "/content/water-health-en/../../etc/passwd.pdf",
        "/content/water-health-en/./worksheet.pdf",
        "/content/water-health-en/%2e%2e/worksheet.pdf",
        "/content/water-health-en//worksheet.pdf",
        "/content/Water/worksheet.pdf",
        "/content/water-health-en/worksheet.pdf?x=1",
        "/content/water-health-en/lesson.md",
        "https://example.org/content/water-health-en/worksheet.pdf",
        "//example.org/content/water-health-en/worksheet.pdf",
        "content/water-health-en/worksheet.pdf",
        "/static/vendor/pdfjs/LICENSE",
        "/content/water-health-en/a\\..\\worksheet.pdf",
        "javascript:alert(1)//.pdf",
    ],
)
def test_anything_else_is_refused(file: str | None) -> None:
    assert course_pdf(file) is None
