"""Trust: the fleet's root key delegates roles to other keys; a new root is signed by both roots.

The image carries only a *pin* (fleet name and root public key). A trust document, signed by the
root, says which keys hold which role and how many of them must sign (the threshold). It travels
inside bundles; a hub adopts a newer one when the root it already trusts signed it. No wall-clock
expiry anywhere: a hub whose clock reads 1970 or 2040 must still accept updates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hubd.bundle import canonical, errors
from hubd.bundle.keys import ed25519_from_hex, key_id, raw_public
from hubd.bundle.manifest import valid_fleet
from hubd.bundle.signatures import (
    TRUST_DOMAIN,
    Signature,
    encode_signatures,
    parse_signatures,
    sign,
    verify_all,
)

TRUST_FORMAT = "learning-hub-trust"
TRUST_VERSION = 1
ROLES = ("content", "reply", "software")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MAX_TRUST_SIZE = 64 * 1024
_MAX_ROLE_KEYS = 16


@dataclass(frozen=True)
class RoleKeys:
    """The keys (64-hex public keys) that hold one role, and how many must sign."""

    keys: tuple[str, ...]
    threshold: int

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(key_id(ed25519_from_hex(k)) for k in self.keys)


@dataclass(frozen=True)
class TrustDocument:
    """What a hub trusts. ``serial`` 0 is the bare pin from the image (no roles yet)."""

    fleet: str
    serial: int
    root: str
    roles: Mapping[str, RoleKeys] = field(default_factory=dict)
    central_encryption_key: str = ""

    @property
    def root_key_id(self) -> str:
        return key_id(ed25519_from_hex(self.root))

    def role_of(self, signer_key_id: str) -> list[str]:
        """The roles a key holds (a key may hold several)."""
        return [name for name, role in self.roles.items() if signer_key_id in role.key_ids]

    def known_key_ids(self) -> frozenset[str]:
        ids: set[str] = set()
        for role in self.roles.values():
            ids |= role.key_ids
        return frozenset(ids)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "format": TRUST_FORMAT,
            "version": TRUST_VERSION,
            "fleet": self.fleet,
            "serial": self.serial,
            "root": self.root,
            "roles": {
                name: {"keys": list(role.keys), "threshold": role.threshold}
                for name, role in self.roles.items()
            },
        }
        if self.central_encryption_key:
            doc["central_encryption_key"] = self.central_encryption_key
        return doc

    def to_bytes(self) -> bytes:
        return canonical.encode(self.to_json())


def pinned_trust(fleet: str, root_public_hex: str) -> TrustDocument:
    """The trust a freshly flashed hub starts with: its fleet and root key, nothing delegated."""
    ed25519_from_hex(root_public_hex)
    if not valid_fleet(fleet):
        raise ValueError(f"not a valid fleet name: {fleet!r}")
    return TrustDocument(fleet=fleet, serial=0, root=root_public_hex)


def _bad(detail: str) -> errors.BundleError:
    return errors.refuse(
        errors.TRUST_INVALID, f"The fleet trust document is invalid ({detail}); it was not used."
    )


def _role(name: str, doc: Any) -> RoleKeys:
    if type(doc) is not dict or set(doc) != {"keys", "threshold"}:
        raise _bad(f"role {name} must have keys and threshold")
    keys, threshold = doc["keys"], doc["threshold"]
    if type(keys) is not list or not 1 <= len(keys) <= _MAX_ROLE_KEYS:
        raise _bad(f"role {name} needs 1 to {_MAX_ROLE_KEYS} keys")
    if not all(type(k) is str and _HEX64.fullmatch(k) for k in keys) or len(set(keys)) < len(keys):
        raise _bad(f"role {name} has a malformed or repeated key")
    if type(threshold) is not int or not 1 <= threshold <= len(keys):
        raise _bad(f"role {name} has a threshold outside 1..{len(keys)}")
    return RoleKeys(tuple(keys), threshold)


def parse_trust(data: bytes) -> TrustDocument:
    """Parse trust document bytes (after their signatures were checked)."""
    doc = canonical.decode(data, "fleet trust document")
    if type(doc) is not dict or doc.get("format") != TRUST_FORMAT:
        raise _bad("not a trust document")
    if doc.get("version") != TRUST_VERSION or type(doc.get("version")) is not int:
        raise errors.refuse(
            errors.UNSUPPORTED_VERSION,
            "The fleet trust document is of a newer version than this software reads; "
            "update the hub's software first.",
        )
    allowed = {"format", "version", "fleet", "serial", "root", "roles", "central_encryption_key"}
    if not doc.keys() <= allowed or not {"fleet", "serial", "root", "roles"} <= doc.keys():
        raise _bad("unknown or missing fields")
    fleet, serial, root, roles = doc["fleet"], doc["serial"], doc["root"], doc["roles"]
    if type(fleet) is not str or not valid_fleet(fleet):
        raise _bad("fleet is malformed")
    if type(serial) is not int or serial < 1:
        raise _bad("serial must be a positive integer")
    if type(root) is not str or not _HEX64.fullmatch(root):
        raise _bad("root is malformed")
    if type(roles) is not dict or not roles.keys() <= set(ROLES):
        raise _bad("roles are malformed")
    central = doc.get("central_encryption_key", "")
    if type(central) is not str or (central and not _HEX64.fullmatch(central)):
        raise _bad("central_encryption_key is malformed")
    return TrustDocument(
        fleet=fleet,
        serial=serial,
        root=root,
        roles={name: _role(name, value) for name, value in sorted(roles.items())},
        central_encryption_key=central,
    )


def sign_trust(doc: TrustDocument, keys: Iterable[Ed25519PrivateKey]) -> tuple[bytes, bytes]:
    """The trust document's bytes and its signature file, signed by each of ``keys``."""
    data = doc.to_bytes()
    return data, encode_signatures(sign(TRUST_DOMAIN, data, key) for key in keys)


def accept_trust(current: TrustDocument, data: bytes, signature_file: bytes) -> TrustDocument:
    """Return the trust to use after seeing a trust document; ``current`` if it is not newer.

    A newer document is adopted only if the root in ``current`` signed it, and, when it names
    a new root, that new root signed it as well (so a rotation needs both). A hub that missed
    more than one root rotation needs the documents in between, one at a time.
    """
    if len(data) > _MAX_TRUST_SIZE or len(signature_file) > _MAX_TRUST_SIZE:
        raise _bad("too large")
    signatures = parse_signatures(signature_file, "fleet trust document")
    verify_all(TRUST_DOMAIN, data, signatures, "fleet trust document")
    signers = {sig.public_key_hex for sig in signatures}
    if current.root not in signers:
        raise errors.refuse(
            errors.SIGNER_UNKNOWN,
            "The fleet trust document is not signed by this hub's fleet root key; it was not used.",
        )
    doc = parse_trust(data)
    if doc.fleet != current.fleet:
        raise errors.refuse(
            errors.WRONG_FLEET,
            f"The trust document is for another fleet ({doc.fleet}); it was not used.",
        )
    if doc.serial < current.serial or (doc.serial == current.serial and doc == current):
        return current
    if doc.serial == current.serial:
        raise _bad("two different documents have the same serial")
    if doc.root not in signers:
        raise errors.refuse(
            errors.TOO_FEW_SIGNATURES,
            "The new fleet root key did not sign the trust document that introduces it; "
            "it was not used.",
        )
    return doc


def delegate(
    doc: TrustDocument, role: str, public_keys: Sequence[str], threshold: int
) -> TrustDocument:
    """A copy of ``doc`` with ``role`` given to ``public_keys`` and the serial increased."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    checked = _role(role, {"keys": list(public_keys), "threshold": threshold})
    roles = dict(doc.roles)
    roles[role] = checked
    return replace(doc, serial=doc.serial + 1, roles=dict(sorted(roles.items())))


def rotate_root(doc: TrustDocument, new_root: Ed25519PrivateKey) -> TrustDocument:
    """A copy of ``doc`` naming a new root; sign it with the old and the new root."""
    return replace(doc, serial=doc.serial + 1, root=raw_public(new_root.public_key()).hex())


def signature_key_ids(signatures: Sequence[Signature]) -> list[str]:
    return [sig.key_id for sig in signatures]
