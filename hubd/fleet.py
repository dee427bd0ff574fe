"""This hub's place in its fleet: its own keys, and the trust it checks bundles against.

The image carries only the fleet's name and root public key (configuration `[fleet]`). The
hub makes its own key pair on first start; the private keys never leave `data_dir/keys/`.
Newer trust documents arrive inside bundles and are kept in `data_dir/trust.json`.
"""

from __future__ import annotations

import logging
import os

from hubd.bundle import HubIdentity, TrustDocument, ensure_hub_identity, parse_trust, pinned_trust
from hubd.config import Config

_LOGGER = logging.getLogger(__name__)

KEYS_FOLDER = "keys"
TRUST_FILE = "trust.json"


def hub_keys(config: Config) -> HubIdentity:
    """The hub's key pair, made on first start (never baked into an image)."""
    return ensure_hub_identity(config.data_dir / KEYS_FOLDER)


def current_trust(config: Config) -> TrustDocument | None:
    """The newest trust this hub has accepted, or None when it belongs to no fleet."""
    if not config.fleet.id:
        return None
    pin = pinned_trust(config.fleet.id, config.fleet.root_public_key)
    stored = config.data_dir / TRUST_FILE
    if not stored.exists():
        return pin
    # The file was written by this hub after checking the document's signatures; a document
    # for another root than the image's (a reflashed card) is not used.
    doc = parse_trust(stored.read_bytes())
    if doc.fleet != pin.fleet:
        _LOGGER.warning("Ignoring %s: it is for fleet %s, not %s", stored, doc.fleet, pin.fleet)
        return pin
    return doc


def save_trust(config: Config, trust: TrustDocument) -> None:
    """Keep a newer trust document, atomically (the data directory is never on FAT)."""
    target = config.data_dir / TRUST_FILE
    temporary = target.with_suffix(".tmp")
    with temporary.open("wb") as f:
        f.write(trust.to_bytes())
        f.flush()
        os.fsync(f.fileno())
    temporary.replace(target)
    fd = os.open(config.data_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    _LOGGER.info("Now trusting fleet document serial %d", trust.serial)
