"""A sync session on a stick: what it reads and writes, and what a pull at any instant leaves."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from hubd.bundle import IncompleteBundle, read_bundle_folder
from hubd.usb import stick
from tests.unit.bundle.bundlekit import Fleet
from tests.unit.usb.stickkit import FaultyFiles, MakeHub, committed_folders, local, run_session


def stick_with_content(tmp_path: Path, fleet: Fleet) -> Path:
    root = tmp_path / "stick"
    (root / stick.INBOX).mkdir(parents=True)
    shutil.copytree(fleet.content_bundle(sequence=3), root / stick.INBOX / "cont-3-aaaa")
    (root / "holiday.jpg").write_bytes(b"\xff\xd8 not ours")
    return root


def outbox_is_whole(root: Path, fleet: Fleet, tmp_path: Path) -> list[str]:
    """Every committed bundle in the outbox verifies at central; their kinds."""
    kinds = []
    for n, folder in enumerate(committed_folders(root, stick.outbox(fleet.hub.key_id))):
        bundle = read_bundle_folder(folder, tmp_path / f"check-{n}", fleet.central_policy())
        kinds.append(bundle.manifest.kind)
        bundle.discard()
    return kinds


async def test_session_applies_content_writes_outbox_and_status(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    root = stick_with_content(tmp_path, fleet)
    hub = await make_hub(tmp_path / "hub")
    session, failure = await run_session(local(root), hub.side())
    assert failure is None, failure
    assert len(hub.applied) == 1, (session.problems, session.results)
    assert outbox_is_whole(root, fleet, tmp_path) == ["enrol"]
    status = (root / stick.STATUS_FILE).read_text()
    assert "Escuela 14" in status and "Brought in: a course." in status
    assert (root / "holiday.jpg").read_bytes() == b"\xff\xd8 not ours", "other files untouched"
    assert (root / stick.FLEET_FILE).read_text() == fleet.trust.fleet
    # The next visit re-reads nothing and writes nothing new, but still logs the visit.
    _, failure = await run_session(local(root), hub.side())
    assert failure is None and len(hub.applied) == 1
    assert (root / stick.STATUS_FILE).read_text().count("Escuela 14") == 2


async def test_a_pull_at_every_step_leaves_hub_and_stick_whole_and_the_next_visit_finishes(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    clean = FaultyFiles(local(stick_with_content(tmp_path / "clean", fleet)))
    await run_session(clean, (await make_hub(tmp_path / "clean-hub")).side())
    assert clean.ops > 30, clean.log
    for fail_at in range(1, clean.ops + 1):
        case = tmp_path / f"case-{fail_at}"
        root = stick_with_content(case, fleet)
        hub = await make_hub(case / "hub")
        faulty = FaultyFiles(local(root), fail_at=fail_at)
        _, failure = await run_session(faulty, hub.side())
        assert failure is not None and "pulled out" in failure, (fail_at, faulty.log[-1])
        assert len(hub.applied) <= 1
        # Whatever the stick holds now is whole or ignored: never half a bundle taken for whole.
        assert set(outbox_is_whole(root, fleet, case)) <= {"enrol"}, faulty.log[-1]
        _, failure = await run_session(local(root), hub.side())
        assert failure is None, (fail_at, failure)
        assert len(hub.applied) == 1, "applied exactly once over both visits"
        assert outbox_is_whole(root, fleet, case) == ["enrol"]
        leftovers = [p.name for p in (root / stick.outbox(fleet.hub.key_id)).iterdir()]
        assert len(leftovers) == 1, (fail_at, faulty.log[-1], leftovers)
        assert "Done." in (root / stick.STATUS_FILE).read_text()
        await hub.store.close()


async def test_full_stick_says_so_and_keeps_what_it_had(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    root = stick_with_content(tmp_path, fleet)
    hub = await make_hub(tmp_path / "hub")
    files = FaultyFiles(local(root))
    files.free_bytes = lambda: 1000  # type: ignore[method-assign]
    _session, failure = await run_session(files, hub.side())
    assert failure is not None and "stick is full" in failure
    assert len(hub.applied) == 1, "what the stick brought was still installed"


async def test_no_space_mid_write_is_reported_as_full(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    root = stick_with_content(tmp_path, fleet)
    clean = FaultyFiles(local(root))
    await run_session(clean, (await make_hub(tmp_path / "h0")).side())
    first_write = next(
        i for i, op in enumerate(clean.log, 1) if op.startswith("write") and "out" in op
    )
    root2 = stick_with_content(tmp_path / "b", fleet)
    faulty = FaultyFiles(local(root2), fail_at=first_write, error=errno.ENOSPC)
    _, failure = await run_session(faulty, (await make_hub(tmp_path / "h1")).side())
    assert failure is not None and "full" in failure


async def test_read_only_stick_still_brings_courses_in(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    root = stick_with_content(tmp_path, fleet)
    hub = await make_hub(tmp_path / "hub")
    session, failure = await run_session(local(root), hub.side(), read_only=True)
    assert failure is None
    assert len(hub.applied) == 1
    assert any("write-protected" in p for p in session.problems)
    assert not (root / stick.OUTBOXES).exists()


async def test_another_fleets_stick_is_left_alone(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    root = stick_with_content(tmp_path, fleet)
    (root / stick.FLEET_FILE).write_text("otra-red\n")
    hub = await make_hub(tmp_path / "hub")
    _, failure = await run_session(local(root), hub.side())
    assert failure is not None and "another programme (otra-red)" in failure
    assert hub.applied == [] and not (root / stick.OUTBOXES).exists()


async def test_hostile_and_foreign_bundles_are_refused_in_plain_words(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    root = stick_with_content(tmp_path, fleet)
    inbox = root / stick.INBOX
    # Signed by a key without the content role.
    shutil.copytree(fleet.content_bundle(sequence=4, keys=[fleet.reply]), inbox / "cont-4-bbbb")
    # Bit-flipped part.
    tampered = inbox / "cont-5-cccc"
    shutil.copytree(fleet.content_bundle(sequence=5), tampered)
    part = next(tampered.glob("p*.zst"))
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 1
    part.write_bytes(bytes(data))
    # An unfinished write (no signature) and a temporary name are ignored silently.
    shutil.copytree(fleet.content_bundle(sequence=6), inbox / "cont-6-dddd")
    (inbox / "cont-6-dddd" / "manifest.sig").unlink()
    shutil.copytree(fleet.content_bundle(sequence=7), inbox / "cont-7-eeee.tmp")
    # A reply for another hub is not this hub's business.
    shutil.copytree(fleet.reply_bundle(recipient=fleet.other_hub), inbox / "repl-1-ffff")
    hub = await make_hub(tmp_path / "hub")
    session, failure = await run_session(local(root), hub.side())
    assert failure is None
    assert len(hub.applied) == 1
    refused = [p for p in session.problems if "refused" in p]
    assert len(refused) == 2, session.problems
    assert not any("Traceback" in p for p in session.problems)
    status = (root / stick.STATUS_FILE).read_text()
    assert "cont-4-bbbb was refused" in status and "cont-5-cccc was refused" in status
    assert "ffff" not in status and "dddd" not in status


async def test_ten_thousand_unrelated_files_do_not_slow_the_session(
    tmp_path: Path, fleet: Fleet, make_hub: MakeHub
) -> None:
    root = stick_with_content(tmp_path, fleet)
    photos = root / "DCIM"
    photos.mkdir()
    for i in range(10_000):
        (photos / f"IMG_{i:05d}.JPG").write_bytes(b"x")
    files = FaultyFiles(local(root))
    _, failure = await run_session(files, (await make_hub(tmp_path / "hub")).side())
    assert failure is None
    assert not any("DCIM" in op for op in files.log), "only the hub's own folder is read"


def test_incomplete_bundle_helper_is_exported() -> None:
    assert issubclass(IncompleteBundle, Exception)
