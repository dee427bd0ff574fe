"""The manifest: what a bundle is, who made it, for whom, and exactly which parts it has.

Pure data and pure functions: :func:`parse_manifest` turns signed bytes into a
:class:`Manifest` or refuses them; :meth:`Manifest.to_bytes` is its exact inverse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hubd.bundle import canonical, errors
from hubd.bundle.limits import DEFAULT_LIMITS, Limits

FORMAT_NAME = "learning-hub-bundle"
FORMAT_VERSION = 1
KINDS = ("progress", "reply", "content", "enrol", "software")
PART_TYPES = ("ndjson", "blob")
ALL_HUBS = "*"
CENTRAL = "central"

MANIFEST_FILE = "manifest.json"
SIGNATURE_FILE = "manifest.sig"
TRUST_FILE = "trust.json"
TRUST_SIGNATURE_FILE = "trust.sig"
RESERVED_FILES = (MANIFEST_FILE, SIGNATURE_FILE, TRUST_FILE, TRUST_SIGNATURE_FILE)

_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FLEET = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_PART_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,23}\.(zst|zse)")
_WRAP = re.compile(r"(?:[0-9a-f]{2}){48,256}")


@dataclass(frozen=True)
class PartInfo:
    """One part file as the manifest declares it."""

    name: str
    type: str
    size: int
    uncompressed_size: int
    sha256: str
    encrypted: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "size": self.size,
            "uncompressed_size": self.uncompressed_size,
            "sha256": self.sha256,
            "encrypted": self.encrypted,
        }


@dataclass(frozen=True)
class Manifest:
    """A bundle's signed description. ``created`` is informational only: never used for expiry."""

    kind: str
    bundle_id: str
    fleet: str
    issuer: str
    recipient: str
    sequence: int
    created: int
    parts: tuple[PartInfo, ...]
    key_wrap: str = ""
    version: int = FORMAT_VERSION

    @property
    def encrypted(self) -> bool:
        return any(part.encrypted for part in self.parts)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": self.version,
            "kind": self.kind,
            "id": self.bundle_id,
            "fleet": self.fleet,
            "issuer": self.issuer,
            "recipient": self.recipient,
            "sequence": self.sequence,
            "created": self.created,
            "parts": [part.to_json() for part in self.parts],
        }
        if self.key_wrap:
            doc["key_wrap"] = self.key_wrap
        return doc

    def to_bytes(self) -> bytes:
        """The manifest's canonical bytes: exactly what is signed and stored."""
        return canonical.encode(self.to_json())


def _bad(detail: str) -> errors.BundleError:
    return errors.refuse(
        errors.MANIFEST_INVALID, f"The bundle's manifest is invalid ({detail}); it was not applied."
    )


def _int(doc: Mapping[str, Any], key: str, minimum: int = 0) -> int:
    value = doc.get(key)
    # bool is a subclass of int in Python; `true` where an integer belongs is refused.
    if type(value) is not int:
        raise _bad(f"{key} must be an integer")
    if value < minimum:
        raise _bad(f"{key} must be at least {minimum}")
    return value


def _str(doc: Mapping[str, Any], key: str, pattern: re.Pattern[str]) -> str:
    value = doc.get(key)
    if type(value) is not str or pattern.fullmatch(value) is None:
        raise _bad(f"{key} is missing or malformed")
    return value


def _keys(doc: Mapping[str, Any], required: set[str], optional: set[str], where: str) -> None:
    missing = required - doc.keys()
    unknown = doc.keys() - required - optional
    if missing:
        raise _bad(f"{where} lacks {', '.join(sorted(missing))}")
    if unknown:
        raise _bad(f"{where} has unknown field {', '.join(sorted(unknown))}")


_PART_KEYS = {"name", "type", "size", "uncompressed_size", "sha256", "encrypted"}
_TOP_KEYS = {
    "format", "version", "kind", "id", "fleet", "issuer", "recipient", "sequence", "created",
    "parts",
}  # fmt: skip


def _part(doc: Any, limits: Limits) -> PartInfo:
    if type(doc) is not dict:
        raise _bad("a part is not an object")
    _keys(doc, _PART_KEYS, set(), "a part")
    name = _str(doc, "name", _PART_NAME)
    kind = doc["type"]
    if kind not in PART_TYPES:
        raise _bad(f"part {name} has an unknown type")
    encrypted = doc["encrypted"]
    if type(encrypted) is not bool:
        raise _bad(f"part {name}: encrypted must be true or false")
    if encrypted != name.endswith(".zse"):
        raise _bad(f"part {name}: the name does not match whether it is encrypted")
    size = _int(doc, "size", 1)
    if size > limits.max_part_size:
        raise errors.refuse(
            errors.PART_TOO_LARGE,
            f"Part {name} is larger than the {limits.max_part_size}-byte limit; "
            "the bundle was not applied.",
        )
    return PartInfo(
        name=name,
        type=kind,
        size=size,
        uncompressed_size=_int(doc, "uncompressed_size"),
        sha256=_str(doc, "sha256", _HEX64),
        encrypted=encrypted,
    )


def parse_manifest(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Manifest:
    """Parse and check signed manifest bytes. Call only after the signature has been verified."""
    doc = canonical.decode(data, "bundle's manifest")
    if type(doc) is not dict:
        raise _bad("not an object")
    # Format and version first, so a bundle from newer software gets the message that helps.
    if doc.get("format") != FORMAT_NAME:
        raise _bad("not a Learning Hub bundle")
    version = _int(doc, "version", 1)
    if version != FORMAT_VERSION:
        raise errors.refuse(
            errors.UNSUPPORTED_VERSION,
            f"This bundle uses format version {version}, which this hub's software does not "
            f"read (it reads version {FORMAT_VERSION}); update the hub's software first.",
        )
    _keys(doc, _TOP_KEYS, {"key_wrap"}, "the manifest")
    kind = doc["kind"]
    if kind not in KINDS:
        raise errors.refuse(
            errors.UNSUPPORTED_KIND,
            "This bundle is of a kind this hub's software does not know; it was not applied.",
        )
    raw_parts = doc["parts"]
    if type(raw_parts) is not list or not 1 <= len(raw_parts) <= limits.max_parts:
        raise _bad(f"parts must be a list of 1 to {limits.max_parts} entries")
    parts = tuple(_part(item, limits) for item in raw_parts)
    names = [part.name for part in parts]
    if len(set(names)) != len(names):
        raise errors.refuse(
            errors.PART_DUPLICATE,
            "The bundle lists the same part twice; it was not applied.",
        )
    total = sum(part.uncompressed_size for part in parts)
    if total > limits.max_total_size:
        raise errors.refuse(
            errors.PART_TOO_LARGE,
            "The bundle would unpack to more than this hub accepts; it was not applied.",
        )
    recipient = doc["recipient"]
    if recipient not in (ALL_HUBS, CENTRAL):
        recipient = _str(doc, "recipient", _HEX32)
    key_wrap = doc.get("key_wrap", "")
    if "key_wrap" in doc and (type(key_wrap) is not str or _WRAP.fullmatch(key_wrap) is None):
        raise _bad("key_wrap is malformed")
    if any(part.encrypted for part in parts) != bool(key_wrap):
        raise _bad("key_wrap must be present exactly when a part is encrypted")
    return Manifest(
        kind=kind,
        bundle_id=_str(doc, "id", _HEX32),
        fleet=_str(doc, "fleet", _FLEET),
        issuer=_str(doc, "issuer", _HEX32),
        recipient=recipient,
        sequence=_int(doc, "sequence", 1),
        created=_int(doc, "created"),
        parts=parts,
        key_wrap=key_wrap,
        version=version,
    )


def valid_fleet(name: str) -> bool:
    """Whether ``name`` can be a fleet name."""
    return _FLEET.fullmatch(name) is not None
