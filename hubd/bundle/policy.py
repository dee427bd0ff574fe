"""Who may send what to whom: signature, signers, fleet, recipient, roles and thresholds.

:func:`verify_header` is the first thing done with a bundle. It checks the signatures over the
manifest's exact bytes *before* the manifest is parsed, then parses it, then decides whether the
signers may issue this kind of bundle for this reader.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hubd.bundle import crypto, errors
from hubd.bundle.limits import DEFAULT_LIMITS, Limits
from hubd.bundle.manifest import ALL_HUBS, CENTRAL, Manifest, parse_manifest
from hubd.bundle.signatures import MANIFEST_DOMAIN, parse_signatures, verify_all
from hubd.bundle.trust import ROLES, TrustDocument, accept_trust

_SENT_TO_CENTRAL = ("progress", "enrol")


@dataclass(frozen=True)
class ReadPolicy:
    """Everything a reader needs to judge a bundle.

    ``me`` is the reader's key id (a hub) or ``"central"``. ``enrolled_hubs`` (central only)
    holds the key ids of approved hubs, whose ``progress`` bundles are accepted.
    ``accept_enrol`` (central only) lets self-signed enrolment requests through for review.
    """

    trust: TrustDocument
    me: str
    encryption_key: X25519PrivateKey | None = field(default=None, repr=False)
    enrolled_hubs: Collection[str] = ()
    accept_enrol: bool = False
    limits: Limits = DEFAULT_LIMITS


@dataclass(frozen=True)
class Header:
    """The outcome of :func:`verify_header`."""

    manifest: Manifest
    trust: TrustDocument
    signers: tuple[str, ...]


def verify_header(
    manifest_bytes: bytes,
    signature_file: bytes,
    trust_files: tuple[bytes, bytes] | None,
    policy: ReadPolicy,
) -> Header:
    """Check signatures, then parse the manifest, then check it is meant for and allowed here."""
    trust = policy.trust
    if trust_files is not None:
        trust = accept_trust(trust, *trust_files)
    signatures = parse_signatures(signature_file, "bundle's manifest")
    verify_all(MANIFEST_DOMAIN, manifest_bytes, signatures, "bundle's manifest")
    signers = tuple(sig.key_id for sig in signatures)
    known = trust.known_key_ids() | set(policy.enrolled_hubs)
    # An enrolment request is signed by a key nobody knows yet; everything else must be signed
    # by a key this reader already trusts before a byte of the manifest is parsed.
    if not policy.accept_enrol and not known.intersection(signers):
        raise errors.refuse(
            errors.SIGNER_UNKNOWN,
            "This bundle is signed by a key this hub does not trust; it was not applied.",
        )
    manifest = parse_manifest(manifest_bytes, policy.limits)
    authorize(manifest, signers, trust, policy)
    return Header(manifest, trust, signers)


def authorize(
    manifest: Manifest, signers: tuple[str, ...], trust: TrustDocument, policy: ReadPolicy
) -> None:
    """Refuse a manifest that this reader must not accept from these signers."""
    if manifest.fleet != trust.fleet:
        raise errors.refuse(
            errors.WRONG_FLEET,
            f"This bundle was made for another fleet ({manifest.fleet}); it was not applied.",
        )
    if manifest.issuer not in signers:
        raise errors.refuse(
            errors.MANIFEST_INVALID,
            "This bundle's issuer did not sign it; it was not applied.",
        )
    _check_recipient(manifest, policy)
    kind = manifest.kind
    if kind in ROLES:
        role = trust.roles.get(kind)
        if role is None or manifest.issuer not in role.key_ids:
            raise errors.refuse(
                errors.WRONG_ROLE,
                f"This bundle is signed by a key that may not sign {kind} bundles; "
                "it was not applied.",
            )
        count = len(role.key_ids.intersection(signers))
        if count < role.threshold:
            raise errors.refuse(
                errors.TOO_FEW_SIGNATURES,
                f"This {kind} bundle needs {role.threshold} signatures from different {kind} "
                f"keys but has {count}; it was not applied.",
            )
    elif kind == "progress" and manifest.issuer not in policy.enrolled_hubs:
        raise errors.refuse(
            errors.SIGNER_UNKNOWN,
            "This progress bundle comes from a hub that is not enrolled; it was not applied.",
        )
    elif kind == "enrol" and not policy.accept_enrol:
        raise errors.refuse(
            errors.WRONG_RECIPIENT,
            "This is an enrolment request, which only central reads; it was not applied.",
        )


def _check_recipient(manifest: Manifest, policy: ReadPolicy) -> None:
    recipient = manifest.recipient
    if manifest.kind in _SENT_TO_CENTRAL and recipient != CENTRAL:
        raise errors.refuse(
            errors.MANIFEST_INVALID,
            f"This {manifest.kind} bundle is not addressed to central; it was not applied.",
        )
    if manifest.encrypted and recipient == ALL_HUBS:
        raise errors.refuse(
            errors.MANIFEST_INVALID,
            "This bundle is encrypted but addressed to all hubs; it was not applied.",
        )
    if recipient not in (ALL_HUBS, policy.me):
        where = "central" if recipient == CENTRAL else "another hub"
        raise errors.refuse(
            errors.WRONG_RECIPIENT,
            f"This bundle is addressed to {where}, not to this one; it was not applied.",
        )


def open_file_key(manifest: Manifest, policy: ReadPolicy) -> bytes:
    """The bundle's file key, unwrapped with the reader's key (empty if nothing is encrypted)."""
    if not manifest.encrypted:
        return b""
    if policy.encryption_key is None:
        raise errors.refuse(
            errors.KEY_UNWRAP_FAILED,
            "This bundle is encrypted and this reader has no key to open it; it was not applied.",
        )
    info = crypto.key_wrap_info(manifest.fleet, manifest.bundle_id, manifest.recipient)
    return crypto.unwrap_file_key(bytes.fromhex(manifest.key_wrap), policy.encryption_key, info)
