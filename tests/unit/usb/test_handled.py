"""The hub's record of stick bundles it dealt with: kept in its database, permanent reasons only."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import BinaryIO

from hubd.bundle.manifest import MANIFEST_FILE
from hubd.storage.store import Store
from hubd.usb import stick
from hubd.usb.handled import StoreHandledBundles, import_old_record, is_permanent
from hubd.usb.stickfiles import StickFiles
from tests.unit.bundle.bundlekit import Fleet
from tests.unit.usb.stickkit import FaultyFiles, MakeHub, local, run_session


class ShortReads(FaultyFiles):
    """A stick whose reads of bundle parts end early (a failing or half-pulled stick)."""

    def __init__(self, inner: StickFiles) -> None:
        super().__init__(inner)

    def open_read(self, rel: str) -> BinaryIO:
        src = super().open_read(rel)
        if not rel.endswith(".zst"):
            return src
        with src:
            data = src.read()
        return io.BytesIO(data[: len(data) // 2])


def content_on_stick(root: Path, fleet: Fleet, folder: str = "cont-3-aaaa") -> Path:
    bundle = root / stick.INBOX / folder
    shutil.copytree(fleet.content_bundle(sequence=3), bundle)
    return bundle


async def rows(store: Store) -> list[tuple[str, str, str]]:
    async with store.reader() as db:
        cursor = await db.execute("SELECT bundle_id, outcome, code FROM stick_bundles ORDER BY seq")
        return [(str(r[0]), str(r[1]), str(r[2])) for r in await cursor.fetchall()]


def test_only_reasons_tied_to_the_signed_bytes_are_permanent() -> None:
    for code in ("signature_invalid", "wrong_fleet", "manifest_invalid", "replay", "rollback"):
        assert is_permanent(code), code
    # A stick's trouble, a trust update still to come, a bundle still to come, the hub's own.
    for code in (
        "part_too_short",
        "part_hash_mismatch",
        "part_missing",
        "signer_unknown",
        "wrong_role",
        "sequence_jump",
        "storage_full",
        "database",
        "bundle_refused",
    ):
        assert not is_permanent(code), code


async def test_a_stick_that_returns_short_data_is_tried_again_next_time(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    root = tmp_path / "stick"
    content_on_stick(root, fleet)
    hub = await make_hub(tmp_path / "hub")
    session, failure = await run_session(ShortReads(local(root)), hub.side())
    assert failure is None
    assert hub.applied == []
    assert any("shorter than its manifest declares" in p for p in session.problems)
    assert await rows(hub.store) == [], "a failing stick is no reason to refuse a bundle for good"
    session, failure = await run_session(local(root), hub.side())
    assert failure is None and len(hub.applied) == 1, session.problems
    [(_, outcome, _)] = await rows(hub.store)
    assert outcome == "applied"


async def test_a_bad_signature_is_refused_once_and_not_read_again_after_a_restart(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    root = tmp_path / "stick"
    bundle = content_on_stick(root, fleet)
    manifest = json.loads((bundle / MANIFEST_FILE).read_bytes())
    manifest["created"] = 1  # the signature no longer matches
    (bundle / MANIFEST_FILE).write_bytes(json.dumps(manifest).encode())
    hub = await make_hub(tmp_path / "hub")
    session, _ = await run_session(local(root), hub.side())
    assert any("cont-3-aaaa was refused" in p for p in session.problems), session.problems
    [(bundle_id, outcome, code)] = await rows(hub.store)
    assert (bundle_id, outcome, code) == (manifest["id"], "refused", "signature_invalid")
    await hub.store.close()
    hub.store = await Store.open(hub.data / "hub.sqlite")  # the hub restarted
    files = FaultyFiles(local(root))
    session, failure = await run_session(files, hub.side())
    await hub.store.close()
    assert failure is None and session.problems == []
    assert not any(op.startswith("open learnhub/in/") for op in files.log), files.log


async def test_a_forged_copy_of_a_bundles_id_does_not_hide_the_real_bundle(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    forged_stick, real_stick = tmp_path / "forged", tmp_path / "real"
    forged = content_on_stick(forged_stick, fleet)
    content_on_stick(real_stick, fleet)
    shutil.copy(real_stick / stick.INBOX / "cont-3-aaaa" / MANIFEST_FILE, forged / MANIFEST_FILE)
    (forged / "manifest.sig").write_bytes(
        (forged / "manifest.sig").read_bytes().replace(b"A", b"B", 1)
    )
    hub = await make_hub(tmp_path / "hub")
    session, _ = await run_session(local(forged_stick), hub.side())
    assert any("was refused" in p for p in session.problems), session.problems
    assert [r[1] for r in await rows(hub.store)] == ["refused"]
    session, failure = await run_session(local(real_stick), hub.side())
    assert failure is None and len(hub.applied) == 1, session.problems


async def test_the_old_json_record_keeps_its_applied_bundles_and_drops_its_refusals(
    tmp_path: Path,
) -> None:
    old = tmp_path / "usb-handled.json"
    old.write_text(json.dumps({"b-applied": "applied", "b-refused": "refused"}))
    store = await Store.open(tmp_path / "hub.sqlite")
    try:
        assert await import_old_record(store, old) == 1
        handled = StoreHandledBundles(store)
        assert await handled.skip("b-applied", "any fingerprint")
        assert not await handled.skip("b-refused", "any fingerprint")
        assert not old.exists()
        assert await import_old_record(store, old) == 0
    finally:
        await store.close()


async def test_a_temporary_refusal_is_not_recorded_and_a_permanent_one_is(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path / "hub.sqlite")
    try:
        handled = StoreHandledBundles(store)
        assert not await handled.refused("b1", "f1", "content", "part_hash_mismatch")
        assert not await handled.skip("b1", "f1")
        assert await handled.refused("b1", "f1", "content", "wrong_fleet")
        assert await handled.skip("b1", "f1")
        assert not await handled.skip("b1", "f2"), "a refusal names exact bytes, not an id"
        await handled.applied("b2", "f3", "reply")
        assert await handled.skip("b2", "another copy's fingerprint")
    finally:
        await store.close()
