"""Courses that arrive as signed content bundles: installed whole, or refused whole."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hubd.bundle import pack_content
from hubd.config import Config, FleetSection, HubSection, StorageSection
from hubd.content.blobs import BlobStore
from hubd.content.from_bundle import BundleRefused, install_content_bundle
from hubd.deps import Deps
from hubd.fleet import TRUST_FILE, hub_keys
from hubd.storage import catalogue
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock
from hubd.web import keys
from hubd.web.app import create_app
from tests.unit.bundle.bundlekit import Fleet


@dataclass
class Hub:
    config: Config
    store: Store
    blobs: BlobStore

    async def apply(self, folder: Path) -> Any:
        return await install_content_bundle(
            self.config, self.store, self.blobs, HybridClock(), 1, hub_keys(self.config), folder
        )

    async def course_version(self, course_id: str) -> int | None:
        async with self.store.reader() as db:
            course = await catalogue.get_course(db, course_id)
        return None if course is None else course.version


@pytest.fixture
async def hub(tmp_path: Path, fleet: Fleet) -> AsyncIterator[Hub]:
    config = Config(
        hub=HubSection(data_dir=tmp_path / "hub"),
        storage=StorageSection(min_free_mb=0),
        fleet=FleetSection(id=fleet.trust.fleet, root_public_key=fleet.trust.root),
    )
    config.data_dir.mkdir()
    store = await Store.open(config.database_path)
    yield Hub(config, store, BlobStore(config.blobs_dir))
    await store.close()


def pack(
    fleet: Fleet, course: Path, sequence: int, signer: Ed25519PrivateKey | None = None
) -> Path:
    out = fleet.path("content")
    pack_content(
        course,
        out,
        fleet=fleet.trust.fleet,
        sequence=sequence,
        signing_keys=[signer or fleet.content[0]],
        trust_files=fleet.trust_files,
    )
    return out


async def test_content_bundle_installs_the_course_and_keeps_newer_trust(
    hub: Hub, fleet: Fleet, make_course: Any
) -> None:
    report = await hub.apply(pack(fleet, make_course(version=1), sequence=1))
    assert report.course_id == "fracciones"
    assert await hub.course_version("fracciones") == 1
    # The bundle carried the fleet's delegations; the hub keeps them for the next stick.
    assert (hub.config.data_dir / TRUST_FILE).exists()
    assert list((hub.config.data_dir / "incoming").iterdir()) == [], "no work copies left"


async def test_replayed_or_older_bundle_is_refused_and_changes_nothing(
    hub: Hub, fleet: Fleet, make_course: Any
) -> None:
    first = pack(fleet, make_course(version=1), sequence=5)
    await hub.apply(first)
    older = pack(fleet, make_course(version=2, text="nueva"), sequence=4)
    with pytest.raises(BundleRefused) as caught:
        await hub.apply(older)
    assert caught.value.code in ("replayed", "rollback", "replay")
    with pytest.raises(BundleRefused):
        await hub.apply(first)
    assert await hub.course_version("fracciones") == 1
    newer = pack(fleet, make_course(version=2, text="nueva"), sequence=6)
    await hub.apply(newer)
    assert await hub.course_version("fracciones") == 2


async def test_bundle_signed_by_a_key_without_the_content_role_is_refused(
    hub: Hub, fleet: Fleet, make_course: Any
) -> None:
    with pytest.raises(BundleRefused) as caught:
        await hub.apply(pack(fleet, make_course(), sequence=1, signer=fleet.reply))
    assert "not applied" in caught.value.message or "refused" in caught.value.message.lower()
    assert await hub.course_version("fracciones") is None


async def test_tampered_bundle_installs_nothing(hub: Hub, fleet: Fleet, make_course: Any) -> None:
    folder = pack(fleet, make_course(), sequence=1)
    parts = [p for p in folder.iterdir() if p.suffix == ".zst"]
    part = max(parts, key=lambda p: p.stat().st_size)
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x40
    part.write_bytes(bytes(data))
    with pytest.raises(BundleRefused):
        await hub.apply(folder)
    assert await hub.course_version("fracciones") is None
    async with hub.store.reader() as db:
        rows = await (await db.execute("SELECT count(*) FROM bundle_sequences")).fetchone()
    assert rows is not None and rows[0] == 0, "a refused bundle's sequence is not remembered"


async def test_hub_without_a_fleet_refuses_bundles_with_a_reason(
    tmp_path: Path, fleet: Fleet, make_course: Any
) -> None:
    config = Config(
        hub=HubSection(data_dir=tmp_path / "lone"), storage=StorageSection(min_free_mb=0)
    )
    config.data_dir.mkdir()
    store = await Store.open(config.database_path)
    try:
        with pytest.raises(BundleRefused, match="belongs to no fleet"):
            await install_content_bundle(
                config,
                store,
                BlobStore(config.blobs_dir),
                HybridClock(),
                1,
                hub_keys(config),
                pack(fleet, make_course(), sequence=1),
            )
    finally:
        await store.close()


async def test_first_start_makes_the_hubs_own_keys_and_names_the_hub_by_them(
    config: Config, deps: Deps
) -> None:
    server = TestServer(create_app(config, deps))
    await server.start_server()
    try:
        app = server.app
        key_folder = config.data_dir / "keys"
        files = sorted(key_folder.iterdir())
        assert files, "keys are made on first start"
        for key_file in files:
            assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert app[keys.IDENTITY].hub_id == app[keys.HUB_KEYS].key_id
        first_key = {f.name: f.read_bytes() for f in files}
    finally:
        await server.close()
    server = TestServer(create_app(config, deps))
    await server.start_server()
    try:
        assert {f.name: f.read_bytes() for f in sorted(key_folder.iterdir())} == first_key
    finally:
        await server.close()
    assert os.access(key_folder, os.R_OK)
