"""Central set up for a test: its settings file, keys, trust and database."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from central.config import CentralConfig, CentralKeys, load_config, load_keys
from central.db import Database, open_database
from central.operators import set_operator
from central.replies import ReplyKeys
from hubd.bundle.keys import write_private_key
from tests.unit.bundle.bundlekit import Fleet

_clock = itertools.count(1_780_000_000_000, 1000)


def wall_ms() -> int:
    """Central's wall clock in tests: real-looking and always moving."""
    return next(_clock)


@dataclass
class Central:
    config: CentralConfig
    keys: CentralKeys
    db: Database
    settings: Path

    @property
    def reply_keys(self) -> ReplyKeys:
        return ReplyKeys(self.keys.reply, self.keys.trust, self.keys.trust_files)


def write_settings(fleet: Fleet, root: Path, database_url: str, port: int = 8090) -> Path:
    """central.toml, the trust files and central's two private keys under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "trust").mkdir(exist_ok=True)
    (root / "trust" / "trust.json").write_bytes(fleet.trust_files[0])
    (root / "trust" / "trust.sig").write_bytes(fleet.trust_files[1])
    if not (root / "central-enc.key").exists():
        write_private_key(root / "central-enc.key", fleet.central)
        write_private_key(root / "reply.key", fleet.reply)
    settings = root / "central.toml"
    settings.write_text(
        "[central]\n"
        f'database = "{database_url}"\n'
        'trust_dir = "trust"\n'
        'encryption_key = "central-enc.key"\n'
        'reply_key = "reply.key"\n'
        'work_dir = "work"\n'
        f"port = {port}\n"
    )
    return settings


@contextmanager
def open_central(fleet: Fleet, root: Path, database_url: str) -> Iterator[Central]:
    settings = write_settings(fleet, root, database_url)
    config = load_config(settings)
    db = open_database(config.database)
    try:
        yield Central(config, load_keys(config), db, settings)
    finally:
        db.close()


OPERATOR = "ana"
OPERATOR_PASSWORD = "a long operator password"
CSRF_RE = re.compile(r"name='csrf' value='([^']+)'")


def add_operator(central: Central, name: str = OPERATOR, password: str = OPERATOR_PASSWORD) -> None:
    set_operator(central.db, name, password, wall_ms())


async def csrf_from(session: aiohttp.ClientSession, url: str) -> str:
    """Load a page as a browser would and take its forms' CSRF token."""
    async with session.get(url) as page:
        text = await page.text()
    match = CSRF_RE.search(text)
    assert match, f"no form at {url}: {text[:300]}"
    return match.group(1)


async def sign_in(
    session: aiohttp.ClientSession,
    base: str,
    name: str = OPERATOR,
    password: str = OPERATOR_PASSWORD,
) -> aiohttp.ClientResponse:
    """Sign in on central's page (the session's cookie jar must take 127.0.0.1's cookies)."""
    token = await csrf_from(session, base + "login")
    form = {"name": name, "password": password, "next": "/", "csrf": token}
    async with session.post(base + "login", data=form) as response:
        await response.read()
        return response
