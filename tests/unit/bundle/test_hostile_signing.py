"""Hostile input, part 1: the signed manifest, its signers, the fleet and sequence numbers.

Every case must be refused with its own reason and leave nothing behind.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hubd.bundle import (
    BundleError,
    IncompleteBundle,
    MemorySequenceStore,
    accept_sequence,
    check_sequence,
    read_bundle_folder,
)
from hubd.bundle import errors as e
from hubd.bundle.manifest import MANIFEST_FILE, SIGNATURE_FILE
from hubd.bundle.signatures import MANIFEST_DOMAIN, encode_signatures, sign
from hubd.bundle.trust import delegate, sign_trust
from tests.unit.bundle.bundlekit import Fleet, edit_manifest, resign

Refused = Callable[..., BundleError]


def _flip(path: Path, position: int, bit: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= 1 << bit
    path.write_bytes(bytes(data))


def test_corruption_anywhere_in_the_manifest_is_refused_before_parsing(
    fleet: Fleet, refused: Refused
) -> None:
    folder = fleet.reply_bundle()
    original = (folder / MANIFEST_FILE).read_bytes()
    rng = random.Random(1)
    positions = sorted({0, len(original) - 1, *rng.sample(range(len(original)), 40)})
    for position in positions:
        _flip(folder / MANIFEST_FILE, position, rng.randrange(8))
        error = refused(
            lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.SIGNATURE_INVALID
        )
        assert "does not match its signature" in error.reason
        (folder / MANIFEST_FILE).write_bytes(original)


def test_corruption_anywhere_in_the_signature_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    original = (folder / SIGNATURE_FILE).read_bytes()
    rng = random.Random(2)
    for position in sorted({0, len(original) - 1, *rng.sample(range(len(original)), 40)}):
        _flip(folder / SIGNATURE_FILE, position, rng.randrange(8))
        with pytest.raises(BundleError) as info:
            read_bundle_folder(folder, fleet.tmp / "w", fleet.hub_policy())
        # A flipped byte breaks the line's syntax, the signature, or names an unknown key.
        assert info.value.code in {e.SIGNATURE_FILE_INVALID, e.SIGNATURE_INVALID, e.SIGNER_UNKNOWN}
        assert not (fleet.tmp / "w").exists()
        (folder / SIGNATURE_FILE).write_bytes(original)


def test_valid_signature_over_garbage_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    (folder / MANIFEST_FILE).write_bytes(b"\x00garbage{not json" * 10)
    resign(folder, [fleet.reply])
    error = refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.MANIFEST_INVALID)
    assert "manifest is malformed" in error.reason


@pytest.mark.parametrize(
    ("original", "forged"),
    [
        (b'"sequence":1,', b'"sequence":true,'),
        (b'"sequence":1,', b'"sequence":1.0,'),
        (b'"sequence":1,', b'"sequence":1e0,'),
        (b'"sequence":1,', b'"sequence":"1",'),
        (b'"version":1}', b'"version":true}'),
        (b'"encrypted":true', b'"encrypted":1'),
        (b'"created":0,', b'"created":-0,'),
        (b'"sequence":1,', b'"sequence": 1,'),
    ],
)
def test_wrong_types_where_integers_belong_are_refused(
    fleet: Fleet, refused: Refused, original: bytes, forged: bytes
) -> None:
    folder = fleet.reply_bundle()
    data = (folder / MANIFEST_FILE).read_bytes()
    assert original in data
    (folder / MANIFEST_FILE).write_bytes(data.replace(original, forged, 1))
    resign(folder, [fleet.reply])
    refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.MANIFEST_INVALID)


def test_unknown_or_repeated_manifest_fields_are_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    edit_manifest(folder, lambda doc: doc.update(expires=1), [fleet.reply])
    refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.MANIFEST_INVALID)
    data = (folder / MANIFEST_FILE).read_bytes().replace(b'"expires":1,', b'"fleet":"demo",')
    (folder / MANIFEST_FILE).write_bytes(data)
    resign(folder, [fleet.reply])
    refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.MANIFEST_INVALID)


def test_newer_format_version_asks_for_a_software_update(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    edit_manifest(folder, lambda doc: doc.update(version=2, novelty=1), [fleet.reply])
    error = refused(
        lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.UNSUPPORTED_VERSION
    )
    assert "update the hub's software" in error.reason


def test_missing_signature_means_an_unfinished_bundle(fleet: Fleet) -> None:
    folder = fleet.reply_bundle()
    (folder / SIGNATURE_FILE).unlink()
    with pytest.raises(IncompleteBundle) as info:
        read_bundle_folder(folder, fleet.tmp / "w", fleet.hub_policy())
    assert "ignored" in info.value.reason


def test_too_few_signatures_are_refused(fleet: Fleet, refused: Refused) -> None:
    trust = delegate(
        fleet.trust, "content", [k.public_key().public_bytes_raw().hex() for k in fleet.content], 2
    )
    folder = fleet.content_bundle(keys=fleet.content[:1])
    error = refused(
        lambda w: read_bundle_folder(folder, w, fleet.hub_policy(trust=trust)),
        e.TOO_FEW_SIGNATURES,
    )
    assert "needs 2 signatures" in error.reason
    resign(folder, fleet.content[:2])
    with read_bundle_folder(folder, fleet.tmp / "ok", fleet.hub_policy(trust=trust)) as bundle:
        assert len(bundle.signers) == 2


def test_one_key_counted_twice_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.content_bundle()
    data = (folder / MANIFEST_FILE).read_bytes()
    twice = sign(MANIFEST_DOMAIN, data, fleet.content[0])
    (folder / SIGNATURE_FILE).write_bytes(encode_signatures([twice, twice]))
    error = refused(
        lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.SIGNATURE_DUPLICATE
    )
    assert "same key" in error.reason


def test_key_of_the_wrong_role_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.content_bundle(keys=[fleet.reply])
    error = refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.WRONG_ROLE)
    assert "may not sign content bundles" in error.reason


def test_unknown_signer_is_refused_before_the_manifest_is_read(
    fleet: Fleet, refused: Refused
) -> None:
    folder = fleet.reply_bundle(keys=[Ed25519PrivateKey.generate()])
    # Even a manifest that would not parse gets the signer's refusal: nothing was parsed.
    (folder / MANIFEST_FILE).write_bytes(b"{{{")
    resign(folder, [Ed25519PrivateKey.generate()])
    error = refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.SIGNER_UNKNOWN)
    assert "does not trust" in error.reason


def test_wrong_fleet_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle(fleet="another-fleet")
    error = refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.WRONG_FLEET)
    assert error.reason == (
        "This bundle was made for another fleet (another-fleet); it was not applied."
    )


def test_bundle_for_another_hub_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle(recipient=fleet.other_hub)
    error = refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.WRONG_RECIPIENT)
    assert "another hub" in error.reason


def test_issuer_must_be_a_signer(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()

    def change(doc: dict[str, Any]) -> None:
        doc["issuer"] = "0" * 32

    edit_manifest(folder, change, [fleet.reply])
    refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.MANIFEST_INVALID)


def test_progress_from_a_hub_that_is_not_enrolled_is_refused(
    fleet: Fleet, refused: Refused
) -> None:
    from hubd.bundle import BundleWriter

    folder = fleet.path("progress")
    writer = BundleWriter(
        folder, kind="progress", fleet="demo", recipient="central", sequence=1,
        encrypt_to=fleet.central.public_key(),
    )  # fmt: skip
    writer.add_records([{"a": 1}])
    writer.commit([fleet.other_hub.signing])
    refused(lambda w: read_bundle_folder(folder, w, fleet.central_policy()), e.SIGNER_UNKNOWN)


def test_trust_document_not_signed_by_the_root_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.content_bundle()
    evil = delegate(fleet.trust, "content", [fleet.reply.public_key().public_bytes_raw().hex()], 1)
    doc, sigs = sign_trust(evil, [fleet.reply])
    (folder / "trust.json").write_bytes(doc)
    (folder / "trust.sig").write_bytes(sigs)
    error = refused(
        lambda w: read_bundle_folder(folder, w, fleet.hub_policy(trust=fleet.pin)),
        e.SIGNER_UNKNOWN,
    )
    assert "fleet root key" in error.reason


def test_replay_rollback_and_implausible_jump_are_refused() -> None:
    store = MemorySequenceStore()
    accept_sequence(store, "issuer", "reply", 5, max_jump=100)
    for sequence, code in ((5, e.REPLAY), (4, e.ROLLBACK), (106, e.SEQUENCE_JUMP)):
        with pytest.raises(BundleError) as info:
            accept_sequence(store, "issuer", "reply", sequence, max_jump=100)
        assert info.value.code == code
        assert store.last_sequence("issuer", "reply") == 5, "nothing recorded for a refusal"
    assert "already applied" in _reason(lambda: check_sequence(5, 5))
    accept_sequence(store, "issuer", "reply", 105, max_jump=100)  # a gap is fine: sticks get lost
    accept_sequence(store, "issuer", "content", 1, max_jump=100)  # kinds count separately
    assert store.last_sequence("issuer", "reply") == 105


def test_first_bundle_may_not_jump_absurdly_far() -> None:
    check_sequence(None, 1)
    with pytest.raises(BundleError) as info:
        check_sequence(None, 10**12, max_jump=1000)
    assert info.value.code == e.SEQUENCE_JUMP


def _reason(action: Callable[[], object]) -> str:
    with pytest.raises(BundleError) as info:
        action()
    return info.value.reason
