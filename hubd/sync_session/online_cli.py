"""``hubd sync-online [--config PATH] URL``: sync rounds with central over HTTP, now.

For a hub that is online some of the time (a systemd timer or a technician runs it): rounds
until nothing is left to send, each the same as a stick's (see :mod:`online`).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import aiohttp

from hubd.config import DEFAULT_CONFIG_PATH, load_config
from hubd.deps import Deps
from hubd.errors import HubError
from hubd.fleet import hub_keys
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.storage.sync_export import count_unacknowledged, log_state, read_snapshot
from hubd.sync.hlc import HybridClock
from hubd.sync_session.context import HubSync
from hubd.sync_session.online import sync_online

MAX_ROUNDS = 50


def _waiting(path: Path) -> int:
    with read_snapshot(path) as conn:
        return count_unacknowledged(conn, log_state(conn))


async def _run(config_path: Path, url: str, attempts: int) -> int:
    config = load_config(config_path)
    deps = Deps()
    keys = await asyncio.to_thread(hub_keys, config)
    store = await Store.open(config.database_path)
    try:
        clock = HybridClock()
        identity = await store.write(
            ensure_identity(config.hub.name, clock, deps.wall_ms(), hub_id=keys.key_id)
        )
        hub = HubSync(config, store, clock, identity, keys, deps.wall_ms)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
            for round_number in range(1, MAX_ROUNDS + 1):
                try:
                    report = await sync_online(hub, session, url, attempts=attempts)
                except HubError as exc:
                    print(f"problem: {exc.message}")
                    return 1
                print(f"round {round_number}: {report.summary()}")
                waiting = await asyncio.to_thread(_waiting, store.path)
                if waiting == 0 and report.events_added + report.changes_added == 0:
                    break
    finally:
        await store.close()
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hubd sync-online [--config PATH] [--attempts N] URL`."""
    parser = sub.add_parser("sync-online", help="sync with central over HTTP now")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--attempts", type=int, default=5)
    parser.add_argument("url", help="central's address, e.g. https://central.example/")
    parser.set_defaults(func=lambda args: asyncio.run(_run(args.config, args.url, args.attempts)))
