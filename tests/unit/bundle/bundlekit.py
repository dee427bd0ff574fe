"""Test kit for bundle tests: a small fleet (root, role keys, a hub, central) and forgery helpers.

A plain module (not conftest.py) so that test modules can import its helpers by name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hubd.bundle import crypto
from hubd.bundle.errors import BundleError
from hubd.bundle.keys import HubIdentity, generate_hub_identity, raw_public
from hubd.bundle.limits import KiB, Limits
from hubd.bundle.manifest import CENTRAL, MANIFEST_FILE, SIGNATURE_FILE, parse_manifest
from hubd.bundle.policy import ReadPolicy
from hubd.bundle.signatures import MANIFEST_DOMAIN, encode_signatures, sign
from hubd.bundle.trust import TrustDocument, delegate, pinned_trust, sign_trust
from hubd.bundle.writer import BundleWriter

#: Limits small enough that several frames, chunks and parts appear in kilobytes of data.
SMALL = Limits(
    max_part_size=16 * KiB,
    max_frame_size=4 * KiB,
    max_window_size=64 * KiB,
    chunk_size=256,
    io_block=1 * KiB,
    max_record_size=2 * KiB,
    max_files=50,
    max_file_size=256 * KiB,
    max_content_size=1024 * KiB,
    max_total_size=4096 * KiB,
    max_sequence_jump=1000,
)


def pub(key: Ed25519PrivateKey) -> str:
    return raw_public(key.public_key()).hex()


@dataclass
class Fleet:
    root: Ed25519PrivateKey
    content: list[Ed25519PrivateKey]
    reply: Ed25519PrivateKey
    software: Ed25519PrivateKey
    hub: HubIdentity
    other_hub: HubIdentity
    central: X25519PrivateKey
    trust: TrustDocument
    trust_files: tuple[bytes, bytes]
    pin: TrustDocument
    tmp: Path
    counter: int = 0

    def path(self, name: str) -> Path:
        self.counter += 1
        return self.tmp / f"{name}-{self.counter}"

    def hub_policy(self, limits: Limits = SMALL, **kw: Any) -> ReadPolicy:
        args: dict[str, Any] = {
            "trust": self.trust,
            "me": self.hub.key_id,
            "encryption_key": self.hub.encryption,
            "limits": limits,
        }
        args.update(kw)
        return ReadPolicy(**args)

    def central_policy(self, limits: Limits = SMALL, **kw: Any) -> ReadPolicy:
        args: dict[str, Any] = {
            "trust": self.trust,
            "me": CENTRAL,
            "encryption_key": self.central,
            "enrolled_hubs": frozenset({self.hub.key_id}),
            "accept_enrol": True,
            "limits": limits,
        }
        args.update(kw)
        return ReadPolicy(**args)

    def reply_bundle(
        self,
        records: list[dict[str, Any]] | None = None,
        *,
        sequence: int = 1,
        recipient: HubIdentity | None = None,
        limits: Limits = SMALL,
        keys: list[Ed25519PrivateKey] | None = None,
        fleet: str | None = None,
        encrypt: bool = True,
    ) -> Path:
        """An encrypted reply bundle for the hub (several chunks, frames and parts)."""
        target = recipient or self.hub
        folder = self.path("reply")
        writer = BundleWriter(
            folder,
            kind="reply",
            fleet=fleet or self.trust.fleet,
            recipient=target.key_id,
            sequence=sequence,
            encrypt_to=target.encryption.public_key() if encrypt else None,
            limits=limits,
            created=0,
        )
        writer.add_records(records if records is not None else sample_records(200))
        writer.commit(keys or [self.reply])
        return folder

    def content_bundle(
        self, sequence: int = 1, keys: list[Ed25519PrivateKey] | None = None
    ) -> Path:
        folder = self.path("content")
        writer = BundleWriter(
            folder,
            kind="content",
            fleet=self.trust.fleet,
            recipient="*",
            sequence=sequence,
            limits=SMALL,
            created=0,
        )
        writer.add_records(sample_records(50))
        writer.commit(keys or self.content[:1])
        return folder


def sample_records(count: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "ack",
            "n": i,
            "learner": f"l-{i % 7}",
            "note": "á" * (i % 13),
            # Hashes do not compress, so small limits really split records over parts.
            "digest": hashlib.sha512(str(i).encode()).hexdigest() * 2,
        }
        for i in range(count)
    ]


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    root = Ed25519PrivateKey.generate()
    content = [Ed25519PrivateKey.generate() for _ in range(3)]
    reply = Ed25519PrivateKey.generate()
    software = Ed25519PrivateKey.generate()
    central = X25519PrivateKey.generate()
    pin = pinned_trust("demo", pub(root))
    doc = replace(pin, central_encryption_key=raw_public(central.public_key()).hex())
    doc = delegate(doc, "content", [pub(k) for k in content], 1)
    doc = delegate(doc, "reply", [pub(reply)], 1)
    doc = delegate(doc, "software", [pub(software)], 1)
    return Fleet(
        root=root,
        content=content,
        reply=reply,
        software=software,
        hub=generate_hub_identity(),
        other_hub=generate_hub_identity(),
        central=central,
        trust=doc,
        trust_files=sign_trust(doc, [root]),
        pin=pin,
        tmp=tmp_path,
    )


def resign(folder: Path, keys: list[Ed25519PrivateKey]) -> None:
    """Sign whatever manifest.json now holds (an attacker who holds a valid key)."""
    data = (folder / MANIFEST_FILE).read_bytes()
    (folder / SIGNATURE_FILE).write_bytes(
        encode_signatures(sign(MANIFEST_DOMAIN, data, k) for k in keys)
    )


def edit_manifest(
    folder: Path, change: Callable[[dict[str, Any]], None], keys: list[Ed25519PrivateKey]
) -> None:
    doc = json.loads((folder / MANIFEST_FILE).read_bytes())
    change(doc)
    data = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    (folder / MANIFEST_FILE).write_bytes(data)
    resign(folder, keys)


def forge_part(
    folder: Path,
    name: str,
    data: bytes,
    keys: list[Ed25519PrivateKey],
    uncompressed_size: int | None = None,
) -> None:
    """Replace a part's bytes and re-sign a manifest that matches them."""
    (folder / name).write_bytes(data)

    def change(doc: dict[str, Any]) -> None:
        for part in doc["parts"]:
            if part["name"] == name:
                part["size"] = len(data)
                part["sha256"] = hashlib.sha256(data).hexdigest()
                if uncompressed_size is not None:
                    part["uncompressed_size"] = uncompressed_size

    edit_manifest(folder, change, keys)


def file_key(folder: Path, hub: HubIdentity) -> bytes:
    manifest = parse_manifest((folder / MANIFEST_FILE).read_bytes())
    info = crypto.key_wrap_info(manifest.fleet, manifest.bundle_id, manifest.recipient)
    return crypto.unwrap_file_key(bytes.fromhex(manifest.key_wrap), hub.encryption, info)


@pytest.fixture
def refused(tmp_path: Path) -> Iterator[Callable[..., BundleError]]:
    """``refused(fn, code)``: fn must raise BundleError with that code and leave no work dir."""

    def check(action: Callable[[Path], object], code: str) -> BundleError:
        work = tmp_path / "work-refused"
        with pytest.raises(BundleError) as info:
            action(work)
        assert info.value.code == code, info.value.reason
        assert info.value.reason.endswith(".")
        assert not work.exists(), "a refused bundle left its work copy behind"
        return info.value

    yield check
