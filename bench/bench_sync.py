"""Sync: export and import rates, central's ingest rate on SQLite and PostgreSQL, bytes per event.

Prints figures; never passes or fails. One hub records N events for a few hundred learners,
then every learner moves to a second hub:

1. export: the hub writes its progress bundle (signed, compressed, encrypted to central);
2. central ingests it (SQLite, and PostgreSQL when --postgres URL is given, a fresh database);
3. central writes a reply for the second hub carrying the learners' history, as much as one
   reply may (central's reply_budget_mb, 32 by default; --reply-budget-mb 0 for everything),
   and the second hub imports it (verified, decrypted, applied in one transaction), with the
   memory that takes.

Run: .venv/bin/python bench/bench_sync.py [--events 1000000] [--postgres postgresql://...]
     [--reply-budget-mb 32]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import resource
import secrets
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import fields, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from central import hubs
from central.config import CentralConfig, CentralKeys
from central.db import Database, open_database
from central.ingest import ingest_bundle
from central.replies import ReplyKeys, write_reply
from hubd.bundle import EnrolmentRequest, HubIdentity, generate_hub_identity
from hubd.bundle.keys import raw_public
from hubd.bundle.trust import delegate, pinned_trust, sign_trust
from hubd.config import Config, FleetSection, HubSection
from hubd.fleet import save_trust
from hubd.storage.identity import ensure_identity
from hubd.storage.progress import append_events
from hubd.storage.roster import NewGroup, NewLearner, add_learners
from hubd.storage.store import Store
from hubd.storage.sync_moves import send_learner_to
from hubd.sync.events import NewEvent
from hubd.sync.hlc import HybridClock
from hubd.sync_session import HubSync, apply_reply_bundle, write_progress_bundle

WALL = 1_795_000_000_000
_wall = itertools.count(WALL)


def wall_ms() -> int:
    return next(_wall)


def _hex(key: Ed25519PrivateKey | X25519PrivateKey) -> str:
    return raw_public(key.public_key()).hex()


class Fleet:
    def __init__(self) -> None:
        self.root = Ed25519PrivateKey.generate()
        self.reply = Ed25519PrivateKey.generate()
        self.central = X25519PrivateKey.generate()
        doc = replace(
            pinned_trust("bench", _hex(self.root)), central_encryption_key=_hex(self.central)
        )
        doc = delegate(doc, "reply", [_hex(self.reply)], 1)
        self.trust = doc
        self.trust_files = sign_trust(doc, [self.root])

    def central_keys(self) -> CentralKeys:
        return CentralKeys(self.trust, self.trust_files, self.central, self.reply)


async def open_hub(fleet: Fleet, root: Path, keys: HubIdentity) -> tuple[HubSync, Store]:
    config = Config(
        hub=HubSection(name="Bench", data_dir=root),
        fleet=FleetSection(id="bench", root_public_key=_hex(fleet.root)),
    )
    await asyncio.to_thread(root.mkdir, parents=True)
    await asyncio.to_thread(save_trust, config, fleet.trust)
    store = await Store.open(config.database_path)
    clock = HybridClock()
    identity = await store.write(ensure_identity("Bench", clock, wall_ms(), hub_id=keys.key_id))
    return HubSync(config, store, clock, identity, keys, wall_ms), store


async def record(hub: HubSync, events: int, learners: int) -> list[str]:
    hlc = hub.clock.now(wall_ms())
    ids = await hub.store.write(
        add_learners(
            hub.identity,
            hlc,
            [NewLearner(f"Learner {i}", "g1") for i in range(learners)],
            new_groups=[NewGroup("g1", "Bench")],
        )
    )
    kinds = [
        ("lesson_started", {}),
        ("time_spent", {"seconds": 42}),
        ("media_position", {"seconds": 17.5}),
        ("quiz_scored", {"score": 4, "max": 5, "assessment": "post"}),
        ("lesson_completed", {}),
    ]
    batch = 5000
    for start in range(0, events, batch):
        chunk = []
        for n in range(start, min(events, start + batch)):
            kind, payload = kinds[n % len(kinds)]
            chunk.append(
                NewEvent(
                    str(uuid.uuid4()),
                    ids[n % learners],
                    kind,
                    f"course-{n % 7}",
                    f"lesson-{n % 31}",
                    json.dumps(payload, sort_keys=True, separators=(",", ":")),
                )
            )
        await hub.store.write(append_events(chunk, hub.identity, hub.clock, wall_ms()))
    return list(ids)


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir())


def approve(db: Database, keys: HubIdentity) -> None:
    request = EnrolmentRequest(keys.key_id, keys.signing_public_hex, keys.encryption_public_hex, "")
    with db.transaction() as tx:
        hubs.record_request(tx, request, wall_ms())
    hubs.decide(db, keys.key_id, True, wall_ms())


class RssWatch:
    """This process's resident memory before a block and its peak during it (sampled)."""

    def __init__(self, every: float = 0.02) -> None:
        self.before = self.peak = 0.0
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def rss_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def _sample(self) -> None:
        while not self._stop.wait(self._every):
            self.peak = max(self.peak, self.rss_mb())

    def __enter__(self) -> RssWatch:
        self.before = self.peak = self.rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss_mb())


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} events/s ({seconds:.2f} s)"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a fresh database is made in it)")
    parser.add_argument(
        "--reply-budget-mb",
        type=int,
        default=next(f.default for f in fields(CentralConfig) if f.name == "reply_budget_mb"),
        help="the most one reply carries (central's reply_budget_mb; 0: everything)",
    )
    args = parser.parse_args()
    fleet = Fleet()
    keys_a, keys_b = generate_hub_identity(), generate_hub_identity()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        hub_a, store_a = await open_hub(fleet, root / "hub-a", keys_a)
        hub_b, store_b = await open_hub(fleet, root / "hub-b", keys_b)
        try:
            started = time.perf_counter()
            learners = await record(hub_a, args.events, args.learners)
            print(
                f"recorded {args.events:,} events for {args.learners} learners in "
                f"{time.perf_counter() - started:.1f} s"
            )
            hlc = hub_a.clock.now(wall_ms())
            for learner in learners:
                await hub_a.store.write(
                    send_learner_to(hub_a.identity, hlc, learner, keys_b.key_id)
                )

            bundle = root / "progress"
            started = time.perf_counter()
            await write_progress_bundle(hub_a, bundle, 64 << 30)
            seconds = time.perf_counter() - started
            size = folder_bytes(bundle)
            print(f"hub export (progress bundle): {rate(args.events, seconds)}")
            print(f"bytes per event on the stick: {size / args.events:.1f} ({size / 1e6:.1f} MB)")

            backends = [("SQLite", f"sqlite:///{root}/central.sqlite3")]
            if args.postgres:
                backends.append(("PostgreSQL", await fresh_postgres(args.postgres)))
            for name, url in backends:
                db = open_database(url)
                try:
                    approve(db, keys_a)
                    approve(db, keys_b)
                    work = root / f"work-{secrets.token_hex(4)}"
                    work.mkdir()
                    started = time.perf_counter()
                    outcome = ingest_bundle(db, fleet.central_keys(), bundle, work, wall_ms)
                    seconds = time.perf_counter() - started
                    assert outcome.applied, outcome.message
                    print(f"central ingest on {name}: {rate(args.events, seconds)}")
                    if name != "SQLite":
                        continue
                    reply = root / "reply"
                    started = time.perf_counter()
                    written = write_reply(
                        db,
                        ReplyKeys(fleet.reply, fleet.trust, None),
                        keys_b.key_id,
                        reply,
                        (args.reply_budget_mb << 20) or (64 << 30),
                        wall_ms,
                    )
                    seconds = time.perf_counter() - started
                    print(
                        f"central reply for the hub the learners moved to: "
                        f"{rate(written.entries, seconds)}, {folder_bytes(reply) / 1e6:.1f} MB"
                    )
                finally:
                    db.close()
            started = time.perf_counter()
            with RssWatch() as rss:
                report = await apply_reply_bundle(hub_b, root / "reply")
            seconds = time.perf_counter() - started
            print(
                f"hub import (reply applied in one transaction): "
                f"{rate(report.events_added, seconds)}, {report.learners_arrived} learners arrived"
            )
            print(
                f"hub import memory: RSS {rss.before:.0f} MB before, peak {rss.peak:.0f} MB "
                f"during (+{rss.peak - rss.before:.0f} MB for {report.events_added:,} events)"
            )
        finally:
            await store_a.close()
            await store_b.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")


async def fresh_postgres(url: str) -> str:
    import psycopg

    name = f"bench_sync_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return f"{url.rpartition('/')[0]}/{name}"


if __name__ == "__main__":
    asyncio.run(main())
