"""The pure core (rules, parsing, planning) imports no I/O library, so it stays testable
without a loop, a socket or a disk, and central can share it."""

from __future__ import annotations

import subprocess
import sys

PURE_MODULES = [
    "hubd.sync.hlc",
    "hubd.sync.events",
    "hubd.content.package",
    "hubd.content.search_text",
    "hubd.config",
    "hubd.usb.devices",
    "hubd.usb.stick",
    "hubd.usb.status",
    "hubd.discovery.records",
]
IO_LIBRARIES = ["aiohttp", "aiosqlite", "pyudev", "zeroconf", "sqlite3"]


def test_pure_core_imports_no_io_library() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in PURE_MODULES)
        + f"print(sorted(m for m in {IO_LIBRARIES!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
