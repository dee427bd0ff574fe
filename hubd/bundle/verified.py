"""A verified bundle: its manifest, and its parts copied to the hub's own disk.

Only these local copies are ever decoded. Decoding checks every remaining thing (decryption,
frames, declared sizes, record syntax) and raises :class:`BundleError` on the first problem, so
a caller that applies records inside a database transaction simply rolls back.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from hubd.bundle import crypto, errors
from hubd.bundle.frames import decompress_frames
from hubd.bundle.limits import Limits
from hubd.bundle.manifest import Manifest, PartInfo
from hubd.bundle.trust import TrustDocument


@dataclass
class VerifiedBundle:
    """A bundle whose signature, signers, fleet, recipient and part hashes were checked.

    ``folder`` is a complete local copy (manifest, signature, parts). ``trust`` is the trust
    document the bundle was checked with; when ``trust_changed`` is true it is newer than the
    caller's, and the caller stores it in the same transaction that applies the bundle.
    Sequence numbers are the caller's to check (see :mod:`hubd.bundle.sequence`).
    """

    manifest: Manifest
    folder: Path
    trust: TrustDocument
    trust_changed: bool
    signers: tuple[str, ...]
    limits: Limits
    file_key: bytes = field(default=b"", repr=False)

    def plaintext(self, part: PartInfo) -> Iterator[bytes]:
        """The decompressed (and decrypted) bytes of one part, checked as they stream."""
        block = self.limits.io_block
        path = self.folder / part.name
        with path.open("rb") as src:
            if path.stat().st_size != part.size:
                raise errors.refuse(
                    errors.PART_TOO_SHORT,
                    f"The local copy of part {part.name} changed; the bundle was not applied.",
                )
            if part.encrypted:
                stored = crypto.decrypt_chunks(src.read, part.size, self.file_key, part.name)
            else:
                stored = iter(lambda: src.read(block), b"")
            yield from decompress_frames(stored, part.uncompressed_size, part.name, self.limits)

    def records(self, kind: str = "ndjson") -> Iterator[dict[str, Any]]:
        """Every record of every ``ndjson`` part, in order."""
        for part in self.manifest.parts:
            if part.type == kind:
                yield from _split_records(self.plaintext(part), part.name, self.limits)

    def blob(self) -> Iterator[bytes]:
        """The bytes of all ``blob`` parts, concatenated in manifest order."""
        for part in self.manifest.parts:
            if part.type == "blob":
                yield from self.plaintext(part)

    def check_payload(self) -> None:
        """Decode every part completely, discarding the output: proves the whole bundle reads."""
        for part in self.manifest.parts:
            if part.type == "ndjson":
                for _ in _split_records(self.plaintext(part), part.name, self.limits):
                    pass
            else:
                for _ in self.plaintext(part):
                    pass

    def discard(self) -> None:
        """Delete the local copy."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> VerifiedBundle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("a key appears twice")
    return result


def parse_record(line: bytes, part: str) -> dict[str, Any]:
    """One newline-delimited record: a UTF-8 JSON object, no NaN, no repeated keys."""
    try:
        value = json.loads(
            line.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=_no_duplicates
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        value = None
    if type(value) is not dict:
        raise errors.refuse(
            errors.RECORD_INVALID,
            f"Part {part} of the bundle holds a malformed record; the bundle was not applied.",
        )
    return value


def _split_records(chunks: Iterator[bytes], part: str, limits: Limits) -> Iterator[dict[str, Any]]:
    pending = bytearray()
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            pending += chunk[start:end]
            yield parse_record(bytes(pending), part)
            pending.clear()
            start = end + 1
        pending += chunk[start:]
        if len(pending) > limits.max_record_size:
            raise errors.refuse(
                errors.RECORD_INVALID,
                f"Part {part} of the bundle holds a record over the size limit; "
                "the bundle was not applied.",
            )
    if pending:
        raise errors.refuse(
            errors.RECORD_INVALID,
            f"Part {part} of the bundle ends in the middle of a record; "
            "the bundle was not applied.",
        )
