"""Central's operator pages as plain HTML: a page frame, tables, forms (everything escaped)."""

from __future__ import annotations

import html
import time
from typing import Any

from aiohttp import web

CSS = (
    "body{font-family:sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}"
    "td,th{border:1px solid #999;padding:.3rem .6rem;text-align:left}"
    ".error{color:#a00000;font-weight:bold}form.inline{display:inline}"
    "label{display:block;margin-top:.6rem}button{margin-top:.6rem;padding:.3rem .8rem}"
    "header{display:flex;gap:1rem;align-items:baseline;justify-content:space-between}"
)


def escape(value: object) -> str:
    return html.escape(str(value))


def page(
    title: str, body: str, *, operator: str | None = None, csrf: str = "", status: int = 200
) -> web.Response:
    """A whole page; with `operator`, the header names them and offers to sign out."""
    signed_in = ""
    if operator is not None:
        signed_in = (
            f"<p>Signed in as <strong>{escape(operator)}</strong> "
            f"<form class='inline' method='post' action='/logout'>{csrf_field(csrf)}"
            "<button type='submit'>Sign out</button></form></p>"
        )
    text = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><header><h1>{escape(title)}</h1>{signed_in}</header><main>{body}</main>"
        "</body></html>"
    )
    return web.Response(text=text, content_type="text/html", status=status)


def csrf_field(token: str) -> str:
    return f"<input type='hidden' name='csrf' value='{escape(token)}'>"


def table(headers: list[str], rows: list[list[Any]], raw_last: bool = False) -> str:
    """A table; with `raw_last`, each row's last cell is HTML made here (buttons)."""
    head = "".join(f"<th scope='col'>{escape(h)}</th>" for h in headers)
    body = ""
    for row in rows:
        cells = [f"<td>{escape(c)}</td>" for c in (row[:-1] if raw_last else row)]
        if raw_last:
            cells.append(f"<td>{row[-1]}</td>")
        body += "<tr>" + "".join(cells) + "</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def when(ms: int | None) -> str:
    return "never" if ms is None else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))
