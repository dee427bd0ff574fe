"""Bundles that are fine arrive intact: folder and stream, records and content, enrolment."""

from __future__ import annotations

import ast
import io
import os
from pathlib import Path

from hubd.bundle import (
    BundleWriter,
    find_bundle_folders,
    iter_bundle_stream,
    pack_content,
    read_bundle_folder,
    read_bundle_stream,
    read_enrolment,
    read_index,
    unpack_content,
    write_bundle_stream,
    write_enrolment,
)
from hubd.bundle.manifest import MANIFEST_FILE, SIGNATURE_FILE, parse_manifest
from tests.unit.bundle.bundlekit import SMALL, Fleet, sample_records


def test_encrypted_reply_round_trips_through_folder(fleet: Fleet) -> None:
    folder = fleet.reply_bundle()
    manifest = parse_manifest((folder / MANIFEST_FILE).read_bytes(), SMALL)
    assert len(manifest.parts) > 1, "small limits should split the records over parts"
    assert all(part.encrypted for part in manifest.parts)
    with read_bundle_folder(folder, fleet.tmp / "work", fleet.hub_policy()) as bundle:
        assert list(bundle.records()) == sample_records(200)
        assert bundle.signers == (manifest.issuer,)
    assert not (fleet.tmp / "work").exists(), "the work copy is removed after use"


def test_stream_carries_the_same_bundle_both_ways(fleet: Fleet) -> None:
    folder = fleet.reply_bundle()
    stream = io.BytesIO()
    write_bundle_stream(folder, stream)
    assert stream.getvalue() == b"".join(iter_bundle_stream(folder))
    stream.seek(0)
    with read_bundle_stream(stream, fleet.tmp / "work", fleet.hub_policy()) as bundle:
        assert list(bundle.records()) == sample_records(200)
        # The local copy is itself a bundle folder: re-streaming gives the same bytes.
        assert b"".join(iter_bundle_stream(bundle.folder)) == stream.getvalue()


def test_no_part_exceeds_the_part_limit(fleet: Fleet) -> None:
    big = [{"blob": os.urandom(600).hex()} for _ in range(200)]
    folder = fleet.reply_bundle(big)
    sizes = [p.stat().st_size for p in folder.glob("p*")]
    assert len(sizes) > 3
    assert max(sizes) <= SMALL.max_part_size


def test_content_course_packs_and_unpacks_identically(fleet: Fleet, tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / "media").mkdir(parents=True)
    (course / "course.json").write_text('{"id": "fracciones-es"}')
    video = os.urandom(40_000)  # spans several frames and parts under SMALL limits
    (course / "media" / "pizza.webm").write_bytes(video)
    (course / "intro.md").write_text("# Fracciones\n" * 500)
    (course / "empty.txt").write_bytes(b"")
    out = tmp_path / "bundle"
    manifest = pack_content(
        course,
        out,
        fleet="demo",
        sequence=1,
        signing_keys=fleet.content[:1],
        trust_files=fleet.trust_files,
        limits=SMALL,
    )
    assert sum(part.type == "blob" for part in manifest.parts) > 1
    # A freshly flashed hub knows only the pin; the bundle brings the delegation along.
    policy = fleet.hub_policy(trust=fleet.pin)
    with read_bundle_folder(out, tmp_path / "work", policy, check_payload=False) as bundle:
        assert bundle.trust_changed and bundle.trust == fleet.trust
        assert [f.path for f in read_index(bundle)] == [
            "course.json",
            "empty.txt",
            "intro.md",
            "media/pizza.webm",
        ]
        unpack_content(bundle, tmp_path / "installed")
    assert (tmp_path / "installed" / "media" / "pizza.webm").read_bytes() == video
    assert (tmp_path / "installed" / "empty.txt").read_bytes() == b""


def test_enrolment_request_carries_the_hubs_public_keys(fleet: Fleet) -> None:
    folder = fleet.path("enrol")
    write_enrolment(fleet.hub, folder, fleet="demo", hub_name="Escuela Norte")
    with read_bundle_folder(folder, fleet.tmp / "w", fleet.central_policy()) as bundle:
        request = read_enrolment(bundle)
    assert request.key_id == fleet.hub.key_id
    assert request.encryption_key == fleet.hub.encryption_public_hex
    assert request.hub_name == "Escuela Norte"


def test_progress_from_an_enrolled_hub_reaches_central(fleet: Fleet) -> None:
    folder = fleet.path("progress")
    writer = BundleWriter(
        folder,
        kind="progress",
        fleet="demo",
        recipient="central",
        sequence=7,
        encrypt_to=fleet.central.public_key(),
        limits=SMALL,
    )
    writer.add_records(sample_records(30))
    writer.commit([fleet.hub.signing])
    with read_bundle_folder(folder, fleet.tmp / "w", fleet.central_policy()) as bundle:
        assert bundle.manifest.sequence == 7
        assert list(bundle.records()) == sample_records(30)


def test_empty_record_part_round_trips(fleet: Fleet) -> None:
    folder = fleet.reply_bundle([])
    with read_bundle_folder(folder, fleet.tmp / "w", fleet.hub_policy()) as bundle:
        assert list(bundle.records()) == []


def test_stick_scan_skips_unfinished_and_temporary_folders(fleet: Fleet, tmp_path: Path) -> None:
    done = fleet.reply_bundle()
    stick = tmp_path / "stick"
    stick.mkdir()
    done.rename(stick / "repl-1-abc")
    unfinished = stick / "repl-2-def"
    unfinished.mkdir()
    (unfinished / "p0000.zse").write_bytes(b"x")
    (unfinished / (SIGNATURE_FILE + ".tmp")).write_bytes(b"half")
    (stick / "x.tmp").mkdir()
    assert find_bundle_folders(stick) == [stick / "repl-1-abc"]


def test_bundle_package_imports_nothing_else_of_the_project() -> None:
    package = Path(__file__).parents[3] / "hubd" / "bundle"
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                if name.startswith("hubd"):
                    assert name.startswith("hubd.bundle"), f"{module.name} imports {name}"
