"""The bundle format: pack, sign, encrypt, compress, verify and unpack (see bundles/FORMAT.md).

This package imports nothing else of the project, so central and other tools can use it alone.
"""

from hubd.bundle import cli
from hubd.bundle.content import ContentFile, pack_content, read_index, unpack_content
from hubd.bundle.enrol import EnrolmentRequest, read_enrolment, write_enrolment
from hubd.bundle.errors import BundleError, IncompleteBundle, KeyFileError
from hubd.bundle.folder import BundleSource, FolderSource, bundle_folder_name, find_bundle_folders
from hubd.bundle.keys import (
    HubIdentity,
    ensure_hub_identity,
    generate_hub_identity,
    key_id,
    load_hub_identity,
    load_signing_key,
    save_hub_identity,
)
from hubd.bundle.limits import DEFAULT_LIMITS, Limits
from hubd.bundle.manifest import ALL_HUBS, CENTRAL, KINDS, Manifest, PartInfo
from hubd.bundle.policy import ReadPolicy
from hubd.bundle.reader import read_bundle, read_bundle_folder, read_bundle_stream
from hubd.bundle.sequence import (
    MemorySequenceStore,
    SequenceStore,
    accept_sequence,
    check_sequence,
)
from hubd.bundle.stream import iter_bundle_stream, write_bundle_stream
from hubd.bundle.trust import TrustDocument, accept_trust, parse_trust, pinned_trust, sign_trust
from hubd.bundle.verified import VerifiedBundle
from hubd.bundle.writer import BundleWriter

__all__ = [
    "ALL_HUBS",
    "CENTRAL",
    "DEFAULT_LIMITS",
    "KINDS",
    "BundleError",
    "BundleSource",
    "BundleWriter",
    "ContentFile",
    "EnrolmentRequest",
    "FolderSource",
    "HubIdentity",
    "IncompleteBundle",
    "KeyFileError",
    "Limits",
    "Manifest",
    "MemorySequenceStore",
    "PartInfo",
    "ReadPolicy",
    "SequenceStore",
    "TrustDocument",
    "VerifiedBundle",
    "accept_sequence",
    "accept_trust",
    "bundle_folder_name",
    "check_sequence",
    "cli",
    "ensure_hub_identity",
    "find_bundle_folders",
    "generate_hub_identity",
    "iter_bundle_stream",
    "key_id",
    "load_hub_identity",
    "load_signing_key",
    "pack_content",
    "parse_trust",
    "pinned_trust",
    "read_bundle",
    "read_bundle_folder",
    "read_bundle_stream",
    "read_enrolment",
    "read_index",
    "save_hub_identity",
    "sign_trust",
    "unpack_content",
    "write_bundle_stream",
    "write_enrolment",
]
