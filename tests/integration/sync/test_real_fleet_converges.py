"""The convergence proof again, on the real code: hub databases, bundles on disk, central's SQL.

Smaller than the pure proof (tests/unit/sync/test_sync_convergence.py) because every step
writes and verifies real signed, encrypted bundles; it checks that the hub's SQLite and
central's SQL do what the pure rules say: three hubs and central, sticks duplicated, lost and
delivered in any order, clocks at 1970 and 2040, learners moving between hubs. After a final
few rounds every hub shows central's progress for every learner it holds, and central holds
every event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from central import hubs
from central.config import CentralKeys
from central.db import Database, open_database
from central.ingest import ingest_bundle
from central.replies import ReplyKeys, write_reply
from hubd.bundle import EnrolmentRequest, HubIdentity, generate_hub_identity
from hubd.bundle.keys import raw_public
from hubd.bundle.trust import delegate, pinned_trust, sign_trust
from hubd.config import Config, FleetSection, HubSection
from hubd.content.from_bundle import BundleRefused
from hubd.fleet import save_trust
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.storage.sync_moves import send_learner_to
from hubd.sync.derive import derive
from hubd.sync.hlc import HybridClock
from hubd.sync.model import parse_entry
from hubd.sync.plan import BUNDLE_OVERHEAD_BYTES
from hubd.sync_session import HubSync, apply_reply_bundle, write_progress_bundle
from tests.integration.sync.hubkit import learn, register

HUBS = 3
WALL_1970, WALL_2026, WALL_2040 = 0, 1_780_000_000_000, 2_208_988_800_000
EXAMPLES = int(os.environ.get("SYNC_REAL_PROOF_EXAMPLES", "8"))
budgets = st.sampled_from([BUNDLE_OVERHEAD_BYTES + 1_500, BUNDLE_OVERHEAD_BYTES + 4_000, 50 << 20])


def _hex(key: Ed25519PrivateKey | X25519PrivateKey) -> str:
    return raw_public(key.public_key()).hex()


class RealFleet(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.root = Path(tempfile.mkdtemp(prefix="fleet-"))
        self.count = 0
        root, reply, central = (
            Ed25519PrivateKey.generate(),
            Ed25519PrivateKey.generate(),
            X25519PrivateKey.generate(),
        )
        doc = replace(pinned_trust("proof", _hex(root)), central_encryption_key=_hex(central))
        doc = delegate(doc, "reply", [_hex(reply)], 1)
        self.central_keys = CentralKeys(doc, sign_trust(doc, [root]), central, reply)
        self.db: Database = open_database(f"sqlite:///{self.root}/central.sqlite3")
        self.walls = [WALL_2026] * HUBS
        self.hubs: list[HubSync] = []
        self.stores: list[Store] = []
        for i in range(HUBS):
            keys = generate_hub_identity()
            self.hubs.append(self.loop.run_until_complete(self._open(i, keys, _hex(root))))
            request = EnrolmentRequest(
                keys.key_id, keys.signing_public_hex, keys.encryption_public_hex, ""
            )
            with self.db.transaction() as tx:
                hubs.record_request(tx, request, WALL_2026)
            hubs.decide(self.db, keys.key_id, True, WALL_2026)
        self.pocket: list[tuple[str, int, Path]] = []  # (kind, hub index, folder)
        for hub in self.hubs:
            self.loop.run_until_complete(register(hub, "Ana"))

    async def _open(self, i: int, keys: HubIdentity, root_hex: str) -> HubSync:
        config = Config(
            hub=HubSection(name=f"Hub {i}", data_dir=self.root / f"hub-{i}"),
            fleet=FleetSection(id="proof", root_public_key=root_hex),
        )
        config.data_dir.mkdir()
        save_trust(config, self.central_keys.trust)
        store = await Store.open(config.database_path)
        self.stores.append(store)
        clock = HybridClock()

        def wall() -> int:
            self.walls[i] += 3
            return self.walls[i]

        identity = await store.write(ensure_identity(f"Hub {i}", clock, wall(), hub_id=keys.key_id))
        return HubSync(config, store, clock, identity, keys, wall)

    def _here(self, h: int) -> list[str]:
        """The learners hub `h` holds now (registered there, or arrived)."""
        return sorted(self.loop.run_until_complete(_hub_learners(self.hubs[h])))

    def _folder(self) -> Path:
        self.count += 1
        return self.root / "pocket" / f"b{self.count}"

    # Work ------------------------------------------------------------------------------------

    @rule(h=st.integers(0, HUBS - 1))
    def register_learner(self, h: int) -> None:
        self.loop.run_until_complete(register(self.hubs[h], "Omar"))

    @rule(
        h=st.integers(0, HUBS - 1),
        pick=st.integers(0, 20),
        kind=st.sampled_from(["time_spent", "lesson_completed", "quiz_scored", "media_position"]),
        n=st.integers(1, 60),
    )
    def learn(self, h: int, pick: int, kind: str, n: int) -> None:
        learners = self._here(h)
        learner = learners[pick % len(learners)]
        payload: dict[str, Any] = {
            "time_spent": {"seconds": n},
            "lesson_completed": {},
            "quiz_scored": {"score": n % 5, "max": 5},
            "media_position": {"seconds": n},
        }[kind]
        self.loop.run_until_complete(learn(self.hubs[h], learner, [(kind, payload)] * 2))

    @rule(h=st.integers(0, HUBS - 1), pick=st.integers(0, 20), to=st.integers(0, HUBS - 1))
    def move(self, h: int, pick: int, to: int) -> None:
        hub = self.hubs[h]
        learners = self._here(h)
        learner = learners[pick % len(learners)]
        hlc = hub.clock.now(hub.wall_ms())
        target = self.hubs[to].identity.hub_id
        self.loop.run_until_complete(
            hub.store.write(send_learner_to(hub.identity, hlc, learner, target))
        )

    @rule(h=st.integers(0, HUBS - 1), to=st.sampled_from([WALL_1970, WALL_2040, WALL_2026]))
    def clock_jumps(self, h: int, to: int) -> None:
        self.walls[h] = to

    # Sticks ----------------------------------------------------------------------------------

    @rule(h=st.integers(0, HUBS - 1), budget=budgets)
    def hub_writes_stick(self, h: int, budget: int) -> None:
        folder = self._folder()
        folder.parent.mkdir(exist_ok=True)
        self.loop.run_until_complete(write_progress_bundle(self.hubs[h], folder, budget))
        self.pocket.append(("progress", h, folder))

    @rule(h=st.integers(0, HUBS - 1), budget=budgets)
    def central_writes_reply(self, h: int, budget: int) -> None:
        folder = self._folder()
        folder.parent.mkdir(exist_ok=True)
        keys = ReplyKeys(self.central_keys.reply, self.central_keys.trust, None)
        write_reply(self.db, keys, self.hubs[h].identity.hub_id, folder, budget, lambda: WALL_2026)
        self.pocket.append(("reply", h, folder))

    @rule(i=st.integers(0, 100), keep_a_copy=st.booleans())
    def deliver(self, i: int, keep_a_copy: bool) -> None:
        if not self.pocket:
            return
        item = self.pocket[i % len(self.pocket)]
        if not keep_a_copy:
            self.pocket.remove(item)
        self._deliver(*item)

    @rule(i=st.integers(0, 100))
    def stick_lost(self, i: int) -> None:
        if self.pocket:
            self.pocket.pop(i % len(self.pocket))

    def _deliver(self, kind: str, h: int, folder: Path) -> None:
        work = self._folder()
        if kind == "progress":
            ingest_bundle(self.db, self.central_keys, folder, work.parent, lambda: WALL_2026)
            return
        # A replayed or older reply is refused, and changes nothing.
        with contextlib.suppress(BundleRefused):
            self.loop.run_until_complete(apply_reply_bundle(self.hubs[h], folder))

    # The end ---------------------------------------------------------------------------------

    def teardown(self) -> None:
        if not hasattr(self, "loop"):
            return
        try:
            self.pocket.clear()
            for _ in range(3):
                for h in range(HUBS):
                    self.hub_writes_stick(h, 50 << 20)
                    self._deliver(*self.pocket.pop())
                for h in range(HUBS):
                    self.central_writes_reply(h, 50 << 20)
                    self._deliver(*self.pocket.pop())
            self._check()
        finally:
            for store in self.stores:
                self.loop.run_until_complete(store.close())
            self.loop.close()
            self.db.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def _check(self) -> None:
        with self.db.transaction() as tx:
            records = [
                (str(r[0]), r[1])
                for r in tx.execute("SELECT learner_id, record FROM entries WHERE kind = 'event'")
            ]
            routes = {
                (str(r[0]), str(r[1])) for r in tx.execute("SELECT hub_id, learner_id FROM routes")
            }
        events = [parse_entry(json.loads(str(record))) for _, record in records]
        central_ids = {e.event_id for e in events}  # type: ignore[union-attr]
        for h, hub in enumerate(self.hubs):
            rows, ids = self.loop.run_until_complete(_hub_state(hub))
            assert ids <= central_ids, "a hub holds an event central lacks"
            for learner in {lid for (target, lid) in routes if target == hub.identity.hub_id}:
                want = {
                    (k[1], k[2]): (
                        p.first_hlc,
                        p.last_hlc,
                        p.completed_hlc,
                        p.seconds_spent,
                        p.position_seconds,
                        p.last_score,
                    )
                    for k, p in derive(e for e in events if e.learner == learner).items()  # type: ignore[misc]
                }
                got = {k[1:]: v for k, v in rows.items() if k[0] == learner}
                assert got == want, f"progress of {learner} differs at hub {h}"


async def _hub_learners(hub: HubSync) -> set[str]:
    async with hub.store.reader() as db:
        cursor = await db.execute("SELECT learner_id FROM learners")
        return {str(r[0]) for r in await cursor.fetchall()}


async def _hub_state(hub: HubSync) -> tuple[dict[tuple[str, str, str], tuple[Any, ...]], set[str]]:
    async with hub.store.reader() as db:
        cursor = await db.execute(
            "SELECT learner_id, course_id, lesson_id, first_hlc, last_hlc, completed_hlc,"
            " seconds_spent, position_seconds, last_score FROM lesson_progress"
        )
        rows = {(str(r[0]), str(r[1]), str(r[2])): tuple(r[3:]) for r in await cursor.fetchall()}
        cursor = await db.execute("SELECT event_id FROM progress_events")
        ids = {str(r[0]) for r in await cursor.fetchall()}
    return rows, ids


RealFleet.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRealFleetConverges = RealFleet.TestCase
