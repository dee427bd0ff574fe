"""Every table on the admin pages, built once and shown as HTML or downloaded as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiohttp import web

from hubd.web.render import translate

Cell = str | int | dt.date | None


@dataclass(frozen=True, slots=True)
class Column:
    label: str  # a message id, translated when shown
    kind: str = "text"  # text, number, percent, signed, date


@dataclass(slots=True)
class Table:
    name: str  # in the CSV's file name and the download link
    caption: str  # a message id
    columns: Sequence[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # for each row's first cell

    def add(self, row: list[Cell], link: str | None = None) -> None:
        self.rows.append(row)
        self.links.append(link)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Cell) -> str:
    """One CSV cell. Text that a spreadsheet would run as a formula is quoted with ' first."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_response(request: web.Request, table: Table) -> web.Response:
    """The table as a CSV file (UTF-8 with a BOM, so Excel shows Arabic and accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(translate(request, c.label)) for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_text(v) for v in row])
    return web.Response(
        body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{table.name}.csv"',
            "Cache-Control": "no-store",
        },
    )


def pick(request: web.Request, tables: Sequence[Table]) -> web.Response | None:
    """The CSV download this request asks for (`?format=csv&table=name`), if any."""
    if request.query.get("format") != "csv":
        return None
    wanted = request.query.get("table", tables[0].name if tables else "")
    for table in tables:
        if table.name == wanted:
            return csv_response(request, table)
    raise web.HTTPNotFound()
