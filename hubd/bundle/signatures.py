"""Detached Ed25519 signatures with domain separation, and the signature file that holds them.

A signature file is ASCII, one line per signature, each line exactly
``ed25519 <public key: 64 hex> <signature: 128 hex>\\n``. The signed message is a fixed prefix
naming what is signed (a manifest, a trust document) followed by the document's exact bytes, so
a signature over one can never be replayed as the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hubd.bundle import errors
from hubd.bundle.keys import ed25519_from_hex, key_id, raw_public

MANIFEST_DOMAIN = b"learning-hub/bundle-manifest/v1\x00"
TRUST_DOMAIN = b"learning-hub/trust/v1\x00"
MAX_SIGNATURES = 16

_LINE = re.compile(rb"ed25519 ([0-9a-f]{64}) ([0-9a-f]{128})\n")


@dataclass(frozen=True)
class Signature:
    """One signature line: who signed (the public key) and the signature bytes."""

    public_key_hex: str
    signature: bytes

    @property
    def key_id(self) -> str:
        return key_id(ed25519_from_hex(self.public_key_hex))

    def line(self) -> bytes:
        """This signature's line in a signature file."""
        return f"ed25519 {self.public_key_hex} {self.signature.hex()}\n".encode("ascii")


def sign(domain: bytes, document: bytes, key: Ed25519PrivateKey) -> Signature:
    """Sign ``domain || document`` with ``key``."""
    public_hex = raw_public(key.public_key()).hex()
    return Signature(public_hex, key.sign(domain + document))


def encode_signatures(signatures: Iterable[Signature]) -> bytes:
    """The bytes of a signature file."""
    return b"".join(sig.line() for sig in signatures)


def parse_signatures(data: bytes, what: str) -> list[Signature]:
    """Parse a signature file strictly; ``what`` names the signed document in the refusal."""
    bad = errors.refuse(
        errors.SIGNATURE_FILE_INVALID,
        f"The signature file of the {what} is damaged or malformed; it was not applied.",
    )
    if not data or not data.endswith(b"\n"):
        raise bad
    lines = data.split(b"\n")[:-1]
    if len(lines) > MAX_SIGNATURES:
        raise bad
    result: list[Signature] = []
    for line in lines:
        match = _LINE.fullmatch(line + b"\n")
        if match is None:
            raise bad
        result.append(Signature(match[1].decode("ascii"), bytes.fromhex(match[2].decode())))
    keys = [sig.public_key_hex for sig in result]
    if len(set(keys)) != len(keys):
        raise errors.refuse(
            errors.SIGNATURE_DUPLICATE,
            f"The {what} is signed twice by the same key, which would count one key as two; "
            "it was not applied.",
        )
    return result


def verify_all(domain: bytes, document: bytes, signatures: Sequence[Signature], what: str) -> None:
    """Check every signature cryptographically; any bad one refuses the whole document.

    Whether the signers are *trusted* is a separate question (see trust.py); this only proves
    each listed key really signed these exact bytes.
    """
    if not signatures:
        raise errors.refuse(
            errors.TOO_FEW_SIGNATURES, f"The {what} carries no signature; it was not applied."
        )
    for sig in signatures:
        try:
            ed25519_from_hex(sig.public_key_hex).verify(sig.signature, domain + document)
        except (InvalidSignature, ValueError):
            raise errors.refuse(
                errors.SIGNATURE_INVALID,
                f"The {what} does not match its signature (it was damaged or altered); "
                "it was not applied.",
            ) from None


def signer_keys(signatures: Sequence[Signature]) -> list[Ed25519PublicKey]:
    """The public keys that signed, in file order."""
    return [ed25519_from_hex(sig.public_key_hex) for sig in signatures]
