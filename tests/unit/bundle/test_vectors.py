"""The committed vectors in bundles/vectors/: byte-exact, and readable by this implementation."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hubd.bundle import ReadPolicy, pinned_trust, read_bundle_folder, read_bundle_stream
from hubd.bundle.content import unpack_content
from hubd.bundle.crypto import HPKE_SUITE, key_wrap_info
from hubd.bundle.keys import ed25519_from_hex, key_id
from hubd.bundle.limits import Limits
from hubd.bundle.manifest import MANIFEST_FILE, parse_manifest

VECTORS = Path(__file__).parents[3] / "bundles" / "vectors"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _keys() -> dict[str, Any]:
    return dict(json.loads((VECTORS / "keys.json").read_text()))


def _policy() -> ReadPolicy:
    keys = _keys()
    private = keys["test_only_private_keys"]
    return ReadPolicy(
        trust=pinned_trust(keys["fleet"], keys["root_public"]),
        me=keys["hub_key_id"],
        encryption_key=X25519PrivateKey.from_private_bytes(
            bytes.fromhex(private["hub_encryption"])
        ),
        limits=Limits(max_frame_size=256, max_part_size=4096, chunk_size=64),
    )


def test_regenerating_the_vectors_gives_identical_bytes(tmp_path: Path) -> None:
    _generator().generate(tmp_path)
    committed = sorted(
        p.relative_to(VECTORS) for p in VECTORS.rglob("*") if p.is_file() and p.suffix != ".py"
    )
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == fresh
    for rel in committed:
        assert (VECTORS / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_encrypted_reply_vector_reads_as_expected(tmp_path: Path) -> None:
    expected = json.loads((VECTORS / "expected.json").read_text(encoding="utf-8"))
    with read_bundle_folder(VECTORS / "reply-encrypted", tmp_path / "w", _policy()) as bundle:
        assert list(bundle.records()) == expected["records"]
        assert bundle.manifest.sequence == 3
        assert bundle.manifest.created == expected["created"]
    stream = (VECTORS / "reply-encrypted.stream").read_bytes()
    with read_bundle_stream(io.BytesIO(stream), tmp_path / "s", _policy()) as bundle:
        assert list(bundle.records()) == expected["records"]


def test_content_vector_unpacks_to_the_course(tmp_path: Path) -> None:
    expected = json.loads((VECTORS / "expected.json").read_text(encoding="utf-8"))
    policy = _policy()
    with read_bundle_folder(VECTORS / "content", tmp_path / "w", policy) as bundle:
        unpack_content(bundle, tmp_path / "course")
    for rel, data in expected["course_files"].items():
        assert (tmp_path / "course" / rel).read_bytes() == bytes.fromhex(data)


def test_vector_key_wrap_is_standard_hpke_the_library_opens() -> None:
    keys = _keys()
    manifest = parse_manifest((VECTORS / "reply-encrypted" / MANIFEST_FILE).read_bytes())
    private = X25519PrivateKey.from_private_bytes(
        bytes.fromhex(keys["test_only_private_keys"]["hub_encryption"])
    )
    info = key_wrap_info(manifest.fleet, manifest.bundle_id, manifest.recipient)
    file_key = HPKE_SUITE.decrypt(bytes.fromhex(manifest.key_wrap), private, info=info)
    assert len(file_key) == 32


def test_vector_key_ids_follow_the_spec() -> None:
    keys = _keys()
    assert key_id(ed25519_from_hex(keys["hub_signing_public"])) == keys["hub_key_id"]
    assert key_id(ed25519_from_hex(keys["content_public"])) == keys["content_key_id"]
