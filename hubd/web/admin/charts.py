"""Charts as inline SVG, drawn in Python: no script, no chart library, nothing from outside.

Each chart has a title and description for screen readers, and the table beside it carries
the same numbers, so a chart is never the only way to read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR = "#1f5fa8"
SECOND = "#b45309"
INK = "#1b1b1b"
GRID = "#c8c8c8"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int | None
    second: int | None = None  # a paired bar (post-assessment beside pre-assessment)


def _nice_top(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return value


def column_chart(bars: Sequence[Bar], title: str, *, height: int = 180) -> Markup:
    """Vertical bars (weeks along the bottom); scales to the width of the page."""
    count = max(len(bars), 1)
    slot = 28
    width = 40 + count * slot
    top = _nice_top(max([b.value or 0 for b in bars] + [1]))
    plot = height - 40
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>"
    ]
    for tick in range(5):
        value = top * tick // 4
        y = 10 + plot - plot * tick / 4
        parts.append(
            f'<line x1="34" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="30" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="{INK}">'
            f"{value}</text>"
        )
    for index, bar in enumerate(bars):
        h = plot * (bar.value or 0) / top
        x = 40 + index * slot
        parts.append(
            f'<rect x="{x + 4}" y="{10 + plot - h:.1f}" width="{slot - 8}" height="{h:.1f}" '
            f'fill="{BAR}"><title>{escape(bar.label)}: {bar.value or 0}</title></rect>'
        )
        if index % max(1, count // 8) == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - 14}" text-anchor="middle" '
                f'font-size="9" fill="{INK}">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped


def paired_bar_chart(
    bars: Sequence[Bar], title: str, first_name: str, second_name: str, *, top: int = 100
) -> Markup:
    """Horizontal bars, two per row (pre and post), on a 0–top scale; labels above each pair."""
    row = 46
    width = 320
    height = 30 + row * max(len(bars), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>',
        f'<rect x="4" y="4" width="10" height="10" fill="{BAR}"/>'
        f'<text x="18" y="13" font-size="11" fill="{INK}">{escape(first_name)}</text>'
        f'<rect x="150" y="4" width="10" height="10" fill="{SECOND}"/>'
        f'<text x="164" y="13" font-size="11" fill="{INK}">{escape(second_name)}</text>',
    ]
    span = width - 50
    for index, bar in enumerate(bars):
        y = 24 + index * row
        parts.append(
            f'<text x="4" y="{y + 10}" font-size="11" fill="{INK}">{escape(bar.label)}</text>'
        )
        for offset, value, colour in ((14, bar.value, BAR), (28, bar.second, SECOND)):
            if value is None:
                continue
            w = span * max(0, min(value, top)) / top
            parts.append(
                f'<rect x="4" y="{y + offset}" width="{w:.1f}" height="11" fill="{colour}"/>'
                f'<text x="{w + 8:.1f}" y="{y + offset + 10}" font-size="10" fill="{INK}">'
                f"{value}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped
