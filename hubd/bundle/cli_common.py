"""Shared pieces of the ``hubd bundle`` commands: error handling, trust and policy loading."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from hubd.bundle.errors import BundleError
from hubd.bundle.keys import (
    key_id,
    load_encryption_key,
    load_hub_identity,
    load_public_key,
    raw_public,
)
from hubd.bundle.manifest import (
    ALL_HUBS,
    CENTRAL,
    MANIFEST_FILE,
    SIGNATURE_FILE,
    TRUST_FILE,
    TRUST_SIGNATURE_FILE,
    Manifest,
)
from hubd.bundle.policy import ReadPolicy
from hubd.bundle.reader import read_bundle_folder, read_bundle_stream
from hubd.bundle.signatures import parse_signatures
from hubd.bundle.stream import StreamReader
from hubd.bundle.trust import TrustDocument, accept_trust, parse_trust, pinned_trust
from hubd.bundle.verified import VerifiedBundle

Handler = Callable[[argparse.Namespace], int]


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def run_safely(handler: Handler) -> Handler:
    """Turn every expected failure into one sentence on stderr and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BundleError as exc:
            return fail(exc.reason)
        except FileExistsError as exc:
            return fail(f"{exc.filename} already exists; nothing was overwritten.")
        except FileNotFoundError as exc:
            return fail(f"{exc.filename} does not exist.")
        except OSError as exc:
            return fail(f"{exc.filename or 'a file'}: {exc.strerror or exc}.")
        except ValueError as exc:
            return fail(f"{exc}.")

    return run


def pub_line(key: Ed25519PublicKey | X25519PublicKey) -> str:
    if isinstance(key, Ed25519PublicKey):
        return f"public key ed25519:{raw_public(key).hex()}  key id {key_id(key)}"
    return f"public key x25519:{raw_public(key).hex()}"


def describe(manifest: Manifest) -> str:
    """A few readable lines about a manifest."""
    lines = [
        f"kind:      {manifest.kind}",
        f"id:        {manifest.bundle_id}",
        f"fleet:     {manifest.fleet}",
        f"issuer:    {manifest.issuer}",
        f"recipient: {manifest.recipient}",
        f"sequence:  {manifest.sequence}",
        f"created:   {manifest.created} (as the issuer's clock said; informational)",
    ]
    for part in manifest.parts:
        lock = " encrypted" if part.encrypted else ""
        lines.append(
            f"part {part.name}: {part.type}{lock}, {part.size} bytes "
            f"({part.uncompressed_size} unpacked), sha256 {part.sha256}"
        )
    return "\n".join(lines)


def read_trust_files(folder: Path) -> tuple[bytes, bytes]:
    return (folder / TRUST_FILE).read_bytes(), (folder / TRUST_SIGNATURE_FILE).read_bytes()


def load_trust_dir(folder: Path) -> tuple[TrustDocument, tuple[bytes, bytes]]:
    """Load an operator's trust folder, checking it is signed by the root it names."""
    files = read_trust_files(folder)
    claimed = parse_trust(files[0])
    doc = accept_trust(pinned_trust(claimed.fleet, claimed.root), *files)
    return doc, files


def _pin(args: argparse.Namespace) -> TrustDocument:
    if args.root is not None:
        if not args.fleet:
            raise ValueError("--root needs --fleet")
        root = load_public_key(args.root)
        if not isinstance(root, Ed25519PublicKey):
            raise ValueError("the root key must be an ed25519 public key")
        pin = pinned_trust(args.fleet, raw_public(root).hex())
        if args.trust is not None:
            pin = accept_trust(pin, *read_trust_files(args.trust))
        return pin
    if args.trust is not None:
        return load_trust_dir(args.trust)[0]
    raise ValueError("give --trust (the fleet's trust folder) or --root and --fleet")


@contextmanager
def read_for_cli(args: argparse.Namespace, check_payload: bool = True) -> Iterator[VerifiedBundle]:
    """Build the reader's policy from the arguments and read the bundle into a temp folder."""
    trust = _pin(args)
    if args.identity is not None:
        identity = load_hub_identity(args.identity)
        policy = ReadPolicy(trust=trust, me=identity.key_id, encryption_key=identity.encryption)
    elif args.central_key is not None:
        policy = ReadPolicy(
            trust=trust,
            me=CENTRAL,
            encryption_key=load_encryption_key(args.central_key),
            enrolled_hubs=frozenset(args.enrolled),
            accept_enrol=True,
        )
    else:
        policy = ReadPolicy(trust=trust, me=ALL_HUBS)
    with tempfile.TemporaryDirectory(prefix="hubd-bundle-") as tmp:
        work = Path(tmp) / "bundle"
        source: Path = args.bundle
        if source.is_dir():
            bundle = read_bundle_folder(source, work, policy, check_payload=check_payload)
        else:
            with source.open("rb") as stream:
                bundle = read_bundle_stream(stream, work, policy, check_payload=check_payload)
        with bundle:
            yield bundle


def open_any(path: Path) -> tuple[bytes, bytes]:
    """The manifest and signature bytes of a bundle folder or stream file, unverified."""
    if path.is_dir():
        with (
            (path / MANIFEST_FILE).open("rb") as manifest,
            (path / SIGNATURE_FILE).open("rb") as sig,
        ):
            return manifest.read(1 << 20), sig.read(1 << 16)
    with path.open("rb") as src:
        reader = StreamReader(src)
        reader.magic()
        found: dict[str, bytes] = {}
        while (member := reader.next_member()) is not None and len(found) < 4:
            name, size = member
            if size > 1 << 20:
                break
            found[name] = reader.exact(size)
            if SIGNATURE_FILE in found:
                break
    if MANIFEST_FILE not in found or SIGNATURE_FILE not in found:
        raise ValueError(f"{path} holds no manifest and signature")
    parse_signatures(found[SIGNATURE_FILE], "bundle's manifest")
    return found[MANIFEST_FILE], found[SIGNATURE_FILE]
