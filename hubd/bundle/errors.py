"""One exception for everything that can go wrong with a bundle.

Each error has a stable ``code`` (for logs, tests and the API) and a ``reason``: one plain
sentence a field technician can read at the hub. A refused bundle is never partly applied, so
every reason can honestly end with "it was not applied" where that helps the reader.
"""

from __future__ import annotations


class BundleError(Exception):
    """A bundle (or a key or trust file) was refused; ``reason`` says why in plain words."""

    #: HTTP status for callers that serve bundles over HTTP: the input was understood but refused.
    status = 422

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason

    def __repr__(self) -> str:
        return f"BundleError({self.code!r}, {self.reason!r})"


class IncompleteBundle(BundleError):
    """A folder without its commit marker: an unfinished write, to be ignored rather than shown."""


class KeyFileError(BundleError):
    """A private or public key file is missing, unsafe or malformed."""


def refuse(code: str, reason: str) -> BundleError:
    """Build the error for a refused bundle (a helper so call sites stay one line)."""
    return BundleError(code, reason)


# Stable codes. Tests and the hub's logs rely on these strings, so they never change meaning.
MANIFEST_MISSING = "manifest_missing"
MANIFEST_TOO_LARGE = "manifest_too_large"
MANIFEST_INVALID = "manifest_invalid"
SIGNATURE_INVALID = "signature_invalid"
SIGNATURE_FILE_INVALID = "signature_file_invalid"
SIGNER_UNKNOWN = "signer_unknown"
SIGNATURE_DUPLICATE = "signature_duplicate"
TOO_FEW_SIGNATURES = "too_few_signatures"
WRONG_ROLE = "wrong_role"
WRONG_FLEET = "wrong_fleet"
WRONG_RECIPIENT = "wrong_recipient"
UNSUPPORTED_VERSION = "unsupported_version"
UNSUPPORTED_KIND = "unsupported_kind"
PART_MISSING = "part_missing"
PART_EXTRA = "part_extra"
PART_DUPLICATE = "part_duplicate"
PART_TOO_LONG = "part_too_long"
PART_TOO_SHORT = "part_too_short"
PART_HASH_MISMATCH = "part_hash_mismatch"
PART_TOO_LARGE = "part_too_large"
DECOMPRESS_FAILED = "decompress_failed"
FRAME_TRUNCATED = "frame_truncated"
FRAME_REFUSED = "frame_refused"
SIZE_MISMATCH = "size_mismatch"
TRAILING_DATA = "trailing_data"
DECRYPT_FAILED = "decrypt_failed"
KEY_UNWRAP_FAILED = "key_unwrap_failed"
RECORD_INVALID = "record_invalid"
CONTENT_INVALID = "content_invalid"
STREAM_INVALID = "stream_invalid"
REPLAY = "replay"
ROLLBACK = "rollback"
SEQUENCE_JUMP = "sequence_jump"
TRUST_INVALID = "trust_invalid"
KEY_FILE = "key_file"
UNSAFE_PATH = "unsafe_path"
