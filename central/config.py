"""Central's settings: a small TOML file; every setting is documented in docs/central.md."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hubd.bundle import TrustDocument, parse_trust
from hubd.bundle.keys import load_encryption_key, load_signing_key
from hubd.bundle.trust import accept_trust, pinned_trust


class CentralConfigError(Exception):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True, slots=True)
class CentralConfig:
    database: str
    trust_dir: Path
    encryption_key: Path
    reply_key: Path
    work_dir: Path
    reply_budget_mb: int = 32
    host: str = "127.0.0.1"
    port: int = 8090


_DEFAULTS = {"reply_budget_mb": 32, "host": "127.0.0.1", "port": 8090}
_PATHS = ("trust_dir", "encryption_key", "reply_key", "work_dir")


def load_config(path: Path) -> CentralConfig:
    """Read ``[central]`` from a TOML file; relative paths are relative to the file."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CentralConfigError(f"The settings file {path} cannot be read ({exc}).") from exc
    section = doc.get("central")
    if not isinstance(section, dict):
        raise CentralConfigError(f"The settings file {path} has no [central] section.")
    unknown = set(section) - {"database", *_PATHS, *_DEFAULTS}
    if unknown:
        raise CentralConfigError(f"Unknown setting(s) in {path}: {', '.join(sorted(unknown))}.")
    values: dict[str, object] = dict(_DEFAULTS)
    for name in ("database", *_PATHS):
        if not isinstance(section.get(name), str) or not section[name]:
            raise CentralConfigError(f"Setting central.{name} is missing in {path}.")
    values["database"] = section["database"]
    for name in _PATHS:
        values[name] = (path.parent / section[name]).resolve()
    for name, default in _DEFAULTS.items():
        value = section.get(name, default)
        if type(value) is not type(default):
            raise CentralConfigError(f"Setting central.{name} must be like {default!r}.")
        values[name] = value
    return CentralConfig(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CentralKeys:
    """Central's keys and the fleet's trust, loaded once per command."""

    trust: TrustDocument
    trust_files: tuple[bytes, bytes]
    encryption: X25519PrivateKey
    reply: Ed25519PrivateKey


def load_keys(config: CentralConfig) -> CentralKeys:
    """The trust document (checked against its own root's signature) and central's keys."""
    try:
        data = (config.trust_dir / "trust.json").read_bytes()
        signature = (config.trust_dir / "trust.sig").read_bytes()
    except OSError as exc:
        raise CentralConfigError(
            f"The fleet's trust files are missing from {config.trust_dir} ({exc.strerror})."
        ) from exc
    unsigned = parse_trust(data)
    trust = accept_trust(pinned_trust(unsigned.fleet, unsigned.root), data, signature)
    return CentralKeys(
        trust,
        (data, signature),
        load_encryption_key(config.encryption_key),
        load_signing_key(config.reply_key),
    )
