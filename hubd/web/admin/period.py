"""Date ranges from a page's address, and days shown in the reader's language."""

from __future__ import annotations

import datetime as dt
import time

from aiohttp import web
from babel.dates import format_date

from hubd.errors import BadRequest
from hubd.storage.reports import Period, hlc_date
from hubd.web.render import page_language


def utc_offset_ms() -> int:
    """The hub's time zone, as the system has it (the image sets it)."""
    return time.localtime().tm_gmtoff * 1000


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadRequest("Dates are written like 2025-03-31.") from None


def period_from(request: web.Request) -> Period:
    """The `from` and `to` days of a report page (both optional, both included)."""
    first = _date(request.query.get("from", "").strip())
    last = _date(request.query.get("to", "").strip())
    if first and last and first > last:
        raise BadRequest("The first day comes after the last day.")
    return Period(first, last, utc_offset_ms())


def day(request: web.Request, value: dt.date) -> str:
    """A calendar day in the reader's language (31 mars 2025)."""
    return format_date(value, format="medium", locale=page_language(request))


def hlc_day(request: web.Request, hlc: int | None) -> str:
    """The day of a hybrid clock time, or a dash."""
    if hlc is None:
        return "\u2014"
    return day(request, hlc_date(hlc, utc_offset_ms()))
