"""The sync rules are shared with central: they import no I/O library and nothing of the hub's
storage, web or USB code."""

from __future__ import annotations

import subprocess
import sys

MODULES = [
    "hubd.sync.model",
    "hubd.sync.rules",
    "hubd.sync.derive",
    "hubd.sync.plan",
    "hubd.sync.messages",
]
FORBIDDEN = ["aiohttp", "aiosqlite", "sqlite3", "pyudev", "zeroconf", "hubd.storage", "hubd.web"]


def test_sync_rules_import_no_io_and_no_hub_code() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in MODULES)
        + f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
