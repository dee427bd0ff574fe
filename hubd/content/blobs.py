"""Content-addressed file store: every course file kept once, under its sha256."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20


class BlobStore:
    """Files under `root/ab/abcdef…`; written to a temporary name, fsynced, then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if not _SHA_RE.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put_file(self, source: Path) -> tuple[str, int]:
        """Copy a file in, hashing as it goes; return (sha256, size). Idempotent."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".incoming-{secrets.token_hex(8)}"
        digest = hashlib.sha256()
        size = 0
        try:
            with source.open("rb") as src, tmp.open("xb") as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            sha = digest.hexdigest()
            final = self.path_for(sha)
            if final.exists():
                tmp.unlink()
            else:
                final.parent.mkdir(exist_ok=True)
                tmp.rename(final)
                _fsync_dir(final.parent)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        return sha, size

    def remove(self, hashes: Iterable[str]) -> int:
        """Delete blobs no course uses any more; returns how many were removed."""
        removed = 0
        for sha in hashes:
            with contextlib.suppress(FileNotFoundError):
                self.path_for(sha).unlink()
                removed += 1
        return removed

    def clear_incoming(self) -> None:
        """Remove temporary files left by a copy that a power cut interrupted."""
        if self.root.is_dir():
            for leftover in self.root.glob(".incoming-*"):
                leftover.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
