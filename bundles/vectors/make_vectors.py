"""Regenerate the byte-exact bundle test vectors: ``python bundles/vectors/make_vectors.py [DIR]``.

Everything that is normally random is fixed here: the keys (derived from names), the bundle
ids, file keys and nonce prefixes (a SHA-256 counter stream), the HPKE ephemeral key, and the
creation time. HPKE is normally randomised, so this script carries a small RFC 9180
base-mode sealer with a fixed ephemeral key; the tests check that the ``cryptography`` library
opens what it produces. The zstd level is 3; other zstd versions may compress differently, in
which case regenerate and review the diff.

THE PRIVATE KEYS IN keys.json ARE PUBLIC TEST KEYS. Never use them for a real fleet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from hubd.bundle.content import pack_content
from hubd.bundle.keys import HubIdentity, key_id, raw_public
from hubd.bundle.limits import Limits
from hubd.bundle.stream import write_bundle_stream
from hubd.bundle.trust import delegate, pinned_trust, sign_trust
from hubd.bundle.writer import BundleWriter

CREATED = 1_700_000_000
FLEET = "vectors"
VECTOR_LIMITS = Limits(max_frame_size=256, max_part_size=4096, chunk_size=64)
RECORDS: list[dict[str, Any]] = [
    {"type": "ack", "origin": "hub-a", "epoch": 1, "upto": 41},
    {"type": "learner", "id": "l-1", "name": "Amina Yusuf", "hlc": [1700000000000, 0, "hub-b"]},
    {"type": "time", "signed_time": 1700000123},
    {"type": "note", "text": "ñandú – 学习 – تعلم", "n": 3},
]
COURSE_FILES: dict[str, bytes] = {
    "course.json": b'{"format": 1, "id": "vector-course", "version": 1}\n',
    "intro.md": b"# Hello\n\nA lesson with enough words to cross a frame boundary. " * 8,
    "media/tone.bin": bytes(range(256)) * 3,
}


def seed_bytes(label: str) -> bytes:
    return hashlib.sha256(b"learning-hub test vector " + label.encode()).digest()


def ed25519(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed_bytes(label))


def x25519(label: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(seed_bytes(label))


class CounterRandom:
    """Deterministic stand-in for os.urandom: SHA-256(label || counter) blocks."""

    def __init__(self, label: str) -> None:
        self._label = label.encode()
        self._counter = 0

    def __call__(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(self._label + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        return out[:size]


# --- RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305 --------


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or b"\x00" * 32, ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite + label + ikm)


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return _expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, length)


def hpke_seal_fixed(
    plaintext: bytes, recipient: X25519PublicKey, info: bytes, ephemeral: X25519PrivateKey
) -> bytes:
    """Single-shot HPKE seal with a given ephemeral key; returns ``enc || ciphertext``."""
    kem_suite = b"KEM" + (0x0020).to_bytes(2, "big")
    enc = raw_public(ephemeral.public_key())
    dh = ephemeral.exchange(recipient)
    eae_prk = _labeled_extract(kem_suite, b"", b"eae_prk", dh)
    kem_context = enc + raw_public(recipient)
    shared = _labeled_expand(kem_suite, eae_prk, b"shared_secret", kem_context, 32)
    suite = b"HPKE" + (0x0020).to_bytes(2, "big") + (1).to_bytes(2, "big") + (3).to_bytes(2, "big")
    psk_id_hash = _labeled_extract(suite, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(suite, b"", b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash
    secret = _labeled_extract(suite, shared, b"secret", b"")
    key = _labeled_expand(suite, secret, b"key", context, 32)
    nonce = _labeled_expand(suite, secret, b"base_nonce", context, 12)
    return enc + ChaCha20Poly1305(key).encrypt(nonce, plaintext, b"")


def fixed_wrap(file_key: bytes, recipient: X25519PublicKey, info: bytes) -> bytes:
    return hpke_seal_fixed(file_key, recipient, info, x25519("hpke-ephemeral"))


# --- the vectors ------------------------------------------------------------------------


def _keys() -> dict[str, Any]:
    root, content, reply = ed25519("root"), ed25519("content"), ed25519("reply")
    hub = HubIdentity(ed25519("hub-signing"), x25519("hub-encryption"))
    trust = pinned_trust(FLEET, raw_public(root.public_key()).hex())
    trust = delegate(trust, "content", [raw_public(content.public_key()).hex()], 1)
    trust = delegate(trust, "reply", [raw_public(reply.public_key()).hex()], 1)
    return {"root": root, "content": content, "reply": reply, "hub": hub, "trust": trust}


def generate(out: Path) -> None:
    """Write every vector file into ``out`` (created; existing vector files are replaced)."""
    keys = _keys()
    hub: HubIdentity = keys["hub"]
    out.mkdir(parents=True, exist_ok=True)
    for name in ("reply-encrypted", "content"):
        shutil.rmtree(out / name, ignore_errors=True)
    trust_files = sign_trust(keys["trust"], [keys["root"]])

    writer = BundleWriter(
        out / "reply-encrypted",
        kind="reply",
        fleet=FLEET,
        recipient=hub.key_id,
        sequence=3,
        encrypt_to=hub.encryption.public_key(),
        limits=VECTOR_LIMITS,
        created=CREATED,
        random=CounterRandom("reply"),
        wrap=fixed_wrap,
    )
    writer.add_records(RECORDS)
    writer.include_trust(*trust_files)
    writer.commit([keys["reply"]], readback=False)
    with (out / "reply-encrypted.stream").open("wb") as stream:
        write_bundle_stream(out / "reply-encrypted", stream)

    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        for rel, data in COURSE_FILES.items():
            (course / rel).parent.mkdir(parents=True, exist_ok=True)
            (course / rel).write_bytes(data)
        pack_content(
            course,
            out / "content",
            fleet=FLEET,
            sequence=1,
            signing_keys=[keys["content"]],
            trust_files=trust_files,
            limits=VECTOR_LIMITS,
            created=CREATED,
            random=CounterRandom("content"),
        )

    public = {
        "fleet": FLEET,
        "root_public": raw_public(keys["root"].public_key()).hex(),
        "content_public": raw_public(keys["content"].public_key()).hex(),
        "reply_public": raw_public(keys["reply"].public_key()).hex(),
        "hub_key_id": hub.key_id,
        "hub_signing_public": hub.signing_public_hex,
        "hub_encryption_public": hub.encryption_public_hex,
        "test_only_private_keys": {
            name: seed_bytes(label).hex()
            for name, label in (
                ("root", "root"),
                ("content", "content"),
                ("reply", "reply"),
                ("hub_signing", "hub-signing"),
                ("hub_encryption", "hub-encryption"),
                ("hpke_ephemeral", "hpke-ephemeral"),
            )
        },
        "content_key_id": key_id(keys["content"].public_key()),
    }
    expected = {
        "records": RECORDS,
        "course_files": {rel: data.hex() for rel, data in COURSE_FILES.items()},
        "limits": {"max_frame_size": 256, "max_part_size": 4096, "chunk_size": 64},
        "created": CREATED,
    }
    (out / "keys.json").write_text(json.dumps(public, indent=2, sort_keys=True) + "\n")
    (out / "expected.json").write_text(
        json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
