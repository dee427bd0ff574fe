"""A hub on a real database, in a fleet, for sync tests; and central's side of a bundle."""

from __future__ import annotations

import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubd.bundle import DEFAULT_LIMITS, BundleWriter, HubIdentity, read_bundle_folder
from hubd.config import Config, FleetSection, HubSection
from hubd.fleet import save_trust
from hubd.storage.identity import ensure_identity
from hubd.storage.progress import append_events
from hubd.storage.roster import NewGroup, NewLearner, add_learners
from hubd.storage.store import Store
from hubd.sync.events import NewEvent
from hubd.sync.hlc import HybridClock
from hubd.sync.messages import ProgressBundle, parse_progress
from hubd.sync_session import HubSync
from tests.unit.bundle.bundlekit import Fleet, pub

WALL_2026 = 1_780_000_000_000


@dataclass
class Wall:
    ms: int = WALL_2026

    def __call__(self) -> int:
        self.ms += 1
        return self.ms


@contextlib.asynccontextmanager
async def open_hub(
    fleet: Fleet, root: Path, keys: HubIdentity | None = None
) -> AsyncIterator[HubSync]:
    """A hub in `fleet` with its data in `root` (keys: the fleet's hub unless given)."""
    keys = keys or fleet.hub
    config = Config(
        hub=HubSection(name="Hub", data_dir=root),
        fleet=FleetSection(id=fleet.trust.fleet, root_public_key=pub(fleet.root)),
    )
    root.mkdir(parents=True, exist_ok=True)
    save_trust(config, fleet.trust)
    store = await Store.open(config.database_path)
    try:
        clock, wall = HybridClock(), Wall()
        identity = await store.write(ensure_identity("Hub", clock, wall(), hub_id=keys.key_id))
        yield HubSync(config, store, clock, identity, keys, wall)
    finally:
        await store.close()


async def register(hub: HubSync, name: str, group: str = "g1") -> str:
    """A teacher registers a learner (in a group made on first use); returns the id."""
    async with hub.store.reader() as db:
        cursor = await db.execute("SELECT 1 FROM learner_groups WHERE group_id = ?", (group,))
        exists = await cursor.fetchone() is not None
    groups = [] if exists else [NewGroup(group, f"Group {group}")]
    hlc = hub.clock.now(hub.wall_ms())
    ids = await hub.store.write(
        add_learners(hub.identity, hlc, [NewLearner(name, group)], new_groups=groups)
    )
    return ids[0]


async def learn(hub: HubSync, learner_id: str, kinds: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """The learner does things in lesson 'l1' of course 'c1'."""
    events = [
        NewEvent(
            str(uuid.uuid4()), learner_id, kind, "c1", "l1", json.dumps(payload, sort_keys=True)
        )
        for kind, payload in kinds
    ]
    await hub.store.write(append_events(events, hub.identity, hub.clock, hub.wall_ms()))


def read_progress(fleet: Fleet, folder: Path, hubs: Iterable[str] | None = None) -> ProgressBundle:
    """Central's view of a progress bundle: verified, decrypted, parsed."""
    policy = fleet.central_policy(
        DEFAULT_LIMITS, enrolled_hubs=frozenset(hubs or {fleet.hub.key_id})
    )
    work = fleet.path("central-work")
    with read_bundle_folder(folder, work, policy) as verified:
        return parse_progress(list(verified.records()))


_replies = itertools.count(1)


def reply_folder(
    fleet: Fleet,
    records: list[dict[str, Any]],
    *,
    sequence: int,
    recipient: HubIdentity | None = None,
) -> Path:
    """A reply bundle signed by the fleet's reply key, as central writes it."""
    target = recipient or fleet.hub
    folder = fleet.path(f"reply-{next(_replies)}")
    writer = BundleWriter(
        folder,
        kind="reply",
        fleet=fleet.trust.fleet,
        recipient=target.key_id,
        sequence=sequence,
        encrypt_to=target.encryption.public_key(),
    )
    writer.add_records(records)
    writer.commit([fleet.reply])
    return folder
