"""Enrolment: a new hub asks central to accept its keys.

The request is a small ``enrol`` bundle, signed by the hub's own (not yet trusted) key and
carrying its public keys. Central verifies the signature proves possession of the key, and an
operator approves the hub; from then on central accepts the hub's ``progress`` bundles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hubd.bundle import errors
from hubd.bundle.keys import HubIdentity, ed25519_from_hex, key_id
from hubd.bundle.manifest import CENTRAL, Manifest
from hubd.bundle.verified import VerifiedBundle
from hubd.bundle.writer import BundleWriter

_HEX64 = re.compile(r"[0-9a-f]{64}")
_MAX_NAME = 200


@dataclass(frozen=True)
class EnrolmentRequest:
    """What central shows an operator before approving a hub."""

    key_id: str
    signing_key: str
    encryption_key: str
    hub_name: str


def write_enrolment(
    identity: HubIdentity,
    folder: Path,
    *,
    fleet: str,
    hub_name: str = "",
    sequence: int = 1,
    created: int | None = None,
) -> Manifest:
    """Write a signed enrolment request bundle into ``folder`` (which must not exist)."""
    if len(hub_name) > _MAX_NAME:
        raise ValueError("hub name too long")
    writer = BundleWriter(
        folder, kind="enrol", fleet=fleet, recipient=CENTRAL, sequence=sequence, created=created
    )
    writer.add_records(
        [
            {
                "type": "enrol",
                "signing_key": identity.signing_public_hex,
                "encryption_key": identity.encryption_public_hex,
                "hub_name": hub_name,
            }
        ],
        encrypt=False,
    )
    return writer.commit([identity.signing])


def read_enrolment(bundle: VerifiedBundle) -> EnrolmentRequest:
    """The request in a verified ``enrol`` bundle; its signer must be the key it enrols."""
    bad = errors.refuse(
        errors.RECORD_INVALID, "The enrolment request is malformed; it was not applied."
    )
    if bundle.manifest.kind != "enrol":
        raise bad
    records = list(bundle.records())
    if len(records) != 1:
        raise bad
    record = records[0]
    signing, encryption, name = (
        record.get("signing_key"),
        record.get("encryption_key"),
        record.get("hub_name"),
    )
    if (
        record.keys() != {"type", "signing_key", "encryption_key", "hub_name"}
        or record["type"] != "enrol"
        or type(signing) is not str
        or type(encryption) is not str
        or type(name) is not str
        or not _HEX64.fullmatch(signing)
        or not _HEX64.fullmatch(encryption)
        or len(name) > _MAX_NAME
    ):
        raise bad
    hub_key_id = key_id(ed25519_from_hex(signing))
    if hub_key_id != bundle.manifest.issuer or hub_key_id not in bundle.signers:
        raise errors.refuse(
            errors.SIGNER_UNKNOWN,
            "The enrolment request is not signed by the key it asks to enrol; it was not applied.",
        )
    return EnrolmentRequest(hub_key_id, signing, encryption, name)
