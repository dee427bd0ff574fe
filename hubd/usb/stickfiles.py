"""The stick's files, as the session touches them: one small interface, so tests can fail any
single operation (a pulled stick, a full one, a read-only one) without patching.

Every path is relative to the stick's root; nothing follows a symbolic link.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Protocol


class StickFiles(Protocol):
    """Operations on a mounted stick. Errors are ``OSError`` as the filesystem raises them."""

    def list_dir(self, rel: str) -> list[tuple[str, bool]]:
        """Names in a folder with whether each is a folder; [] when it does not exist."""
        ...

    def read_small(self, rel: str, cap: int) -> bytes | None:
        """A whole small file, or None when missing; ``OSError`` past ``cap`` bytes."""
        ...

    def open_read(self, rel: str) -> BinaryIO:
        """A regular file, opened for reading."""
        ...

    def make_dir(self, rel: str) -> None:
        """Create a folder if missing."""
        ...

    def write_new(self, rel: str, chunks: Iterable[bytes]) -> int:
        """Create a file that must not exist, write it, fsync it; the byte count."""
        ...

    def rename_new(self, rel: str, new_rel: str) -> None:
        """Rename to a name that must not exist (never over a file: unsafe on FAT)."""
        ...

    def sync_dir(self, rel: str) -> None:
        """Make a folder's entries durable."""
        ...

    def hash_uncached(self, rel: str) -> str:
        """Drop a file from the page cache and hash what the device returns."""
        ...

    def remove(self, rel: str) -> None:
        """Delete a file or a whole folder (missing is fine)."""
        ...

    def free_bytes(self) -> int | None:
        """Free space on the stick; None when the filesystem does not say (fusefat)."""
        ...

    def is_full(self) -> bool:
        """Whether the stick has no room left (asked after a write failed)."""
        ...


#: Less free space than this after a failed write: the stick is full.
FULL_BELOW = 256 * 1024


class LocalStickFiles:
    """The real stick, mounted at ``root``."""

    def __init__(self, root: Path, block: int = 1 << 20, *, fold_case: bool = False) -> None:
        self.root = root
        self._block = block
        # FAT and exFAT ignore case, and a stick written with 8.3 names (DOS tools, older
        # Windows) lists "MANIFEST.SIG" through fusefat: names are compared in lower case.
        self._fold_case = fold_case
        self._device = root.stat().st_dev

    def _path(self, rel: str) -> Path:
        # Once the stick is unmounted under the session (a lazy unmount, a helper that gave
        # up), its mount point is a plain folder on the hub's own disk: never write there.
        if self.root.stat().st_dev != self._device:
            raise OSError(errno.ENODEV, "the stick is no longer mounted", str(self.root))
        return self.root / rel

    def list_dir(self, rel: str) -> list[tuple[str, bool]]:
        try:
            with os.scandir(self._path(rel)) as entries:
                return sorted(
                    (e.name.lower() if self._fold_case else e.name, e.is_dir(follow_symlinks=False))
                    for e in entries
                )
        except FileNotFoundError:
            return []

    def read_small(self, rel: str, cap: int) -> bytes | None:
        try:
            with self.open_read(rel) as src:
                data = src.read(cap + 1)
        except FileNotFoundError:
            return None
        if len(data) > cap:
            raise OSError(f"{rel} is larger than {cap} bytes")
        return data

    def open_read(self, rel: str) -> BinaryIO:
        fd = os.open(self._path(rel), os.O_RDONLY | os.O_NOFOLLOW)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise IsADirectoryError(f"{rel} is not a regular file")
        return os.fdopen(fd, "rb")

    def make_dir(self, rel: str) -> None:
        path = self._path(rel)
        if not path.is_dir():
            path.mkdir()

    def write_new(self, rel: str, chunks: Iterable[bytes]) -> int:
        total = 0
        with self._path(rel).open("xb") as out:
            for chunk in chunks:
                out.write(chunk)
                total += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        return total

    def rename_new(self, rel: str, new_rel: str) -> None:
        target = self._path(new_rel)
        if target.exists():
            raise FileExistsError(new_rel)
        self._path(rel).rename(target)

    def sync_dir(self, rel: str) -> None:
        fd = os.open(self._path(rel), os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def hash_uncached(self, rel: str) -> str:
        sha = hashlib.sha256()
        with self.open_read(rel) as src:
            os.posix_fadvise(src.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            while block := src.read(self._block):
                sha.update(block)
        return sha.hexdigest()

    def remove(self, rel: str) -> None:
        path = self._path(rel)
        if path.is_dir() and not path.is_symlink():
            for name, is_dir in self.list_dir(rel):
                self.remove(f"{rel}/{name}") if is_dir else (path / name).unlink()
            path.rmdir()
        else:
            path.unlink(missing_ok=True)

    def free_bytes(self) -> int | None:
        st = os.statvfs(self._path(""))
        if st.f_blocks == 0:
            return None
        return st.f_bavail * st.f_frsize

    def is_full(self) -> bool:
        st = os.statvfs(self._path(""))
        if st.f_blocks == 0:
            # fusefat reports no blocks but counts free clusters as free files, and answers a
            # write on a full stick with EPERM rather than ENOSPC.
            return st.f_files > 0 and st.f_ffree == 0
        return st.f_bavail * st.f_frsize < FULL_BELOW
