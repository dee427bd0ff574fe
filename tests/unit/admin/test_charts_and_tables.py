"""Charts are escaped SVG; CSV cells cannot run as formulas."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from hubd.web.admin.charts import Bar, column_chart, paired_bar_chart
from hubd.web.admin.tables import csv_text


def test_column_chart_is_valid_svg_with_escaped_labels() -> None:
    svg = column_chart([Bar("<b>w1</b>", 3), Bar("w2", 0)], "Learners & weeks")
    root = ET.fromstring(str(svg))
    assert root.tag.endswith("svg")
    assert "<b>" not in str(svg)
    assert root.find("{*}title") is not None or root.find("title") is not None


def test_paired_chart_skips_missing_values() -> None:
    svg = paired_bar_chart([Bar("Fracciones", None, 80)], "t", "pre", "post")
    ET.fromstring(str(svg))
    assert ">80<" in str(svg)


def test_csv_cells() -> None:
    assert csv_text("=1+1") == "'=1+1"
    assert csv_text("@SUM(A1)") == "'@SUM(A1)"
    assert csv_text("María") == "María"
    assert csv_text(None) == ""
    assert csv_text(dt.date(2025, 3, 1)) == "2025-03-01"
    assert csv_text(-3) == "-3"
