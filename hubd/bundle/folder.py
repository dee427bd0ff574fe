"""A bundle as a folder on a stick: durable writes, the commit marker, and reading it untrusted.

Stick rules (FAT/exFAT): names are short, lower case, without ``:``; a file is never renamed
over an existing one; temporary files end in ``.tmp`` and readers ignore them, as they ignore
folders without a ``manifest.sig``.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO, Protocol

from hubd.bundle import errors
from hubd.bundle.manifest import SIGNATURE_FILE, Manifest

TEMP_SUFFIX = ".tmp"
_FOLDER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries durable (new files, renames)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_durably(path: Path, data: bytes) -> None:
    """Create ``path`` (it must not exist), write ``data`` and fsync it."""
    with path.open("xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def write_marker(path: Path, data: bytes) -> None:
    """Write the commit marker: to a temporary name, fsync, then rename to a *new* name.

    The target never exists beforehand, so this never renames over a file (unsafe on FAT).
    """
    tmp = path.with_name(path.name + TEMP_SUFFIX)
    tmp.unlink(missing_ok=True)
    write_file_durably(tmp, data)
    if path.exists():
        tmp.unlink()
        raise FileExistsError(path)
    tmp.rename(path)


def _drop_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def read_back(folder: Path, manifest: Manifest, manifest_bytes: bytes, signatures: bytes) -> None:
    """Re-read a just-written bundle from the device (not the page cache) and compare."""
    for name in (SIGNATURE_FILE, "manifest.json", *(p.name for p in manifest.parts)):
        _drop_cache(folder / name)
    if (folder / "manifest.json").read_bytes() != manifest_bytes or (
        folder / SIGNATURE_FILE
    ).read_bytes() != signatures:
        raise OSError(f"bundle manifest in {folder} did not read back as written")
    for part in manifest.parts:
        sha = hashlib.sha256()
        with (folder / part.name).open("rb") as src:
            while block := src.read(1 << 20):
                sha.update(block)
        if sha.hexdigest() != part.sha256:
            raise OSError(f"bundle part {folder / part.name} did not read back as written")


class BundleSource(Protocol):
    """Where a bundle's files come from: a folder on a stick, or a fake in tests.

    Each member is opened once; what it returns is untrusted and may differ between opens.
    """

    def names(self) -> list[str]:
        """The names of the files present."""
        ...

    def open_member(self, name: str) -> BinaryIO:
        """Open one file for reading."""
        ...


class FolderSource:
    """A bundle folder on disk; refuses symbolic links and anything but regular files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def names(self) -> list[str]:
        try:
            return sorted(entry.name for entry in os.scandir(self.folder))
        except OSError as exc:
            raise errors.refuse(
                errors.MANIFEST_MISSING,
                f"The bundle folder {self.folder} cannot be read ({exc.strerror}).",
            ) from None

    def open_member(self, name: str) -> BinaryIO:
        path = self.folder / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            raise errors.refuse(
                errors.PART_MISSING,
                f"The bundle file {name} cannot be read ({exc.strerror}); "
                "the bundle was not applied.",
            ) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise errors.refuse(
                errors.UNSAFE_PATH,
                f"The bundle file {name} is not a regular file; the bundle was not applied.",
            )
        return os.fdopen(fd, "rb")


def is_temporary(name: str) -> bool:
    """Names that an unfinished write leaves behind."""
    return name.endswith(TEMP_SUFFIX) or name.startswith(".")


def bundle_folder_name(manifest: Manifest) -> str:
    """A short, lower-case, FAT-safe folder name for a bundle: kind, sequence, id prefix."""
    return f"{manifest.kind[:4]}-{manifest.sequence}-{manifest.bundle_id[:8]}"


def find_bundle_folders(root: Path) -> list[Path]:
    """Sub-folders of ``root`` that look like committed bundles (signature present, not temp).

    Only a cheap filter: each must still be read and verified.
    """
    found = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return []
    for entry in entries:
        if is_temporary(entry.name) or not _FOLDER_NAME.fullmatch(entry.name.lower()):
            continue
        if entry.is_dir(follow_symlinks=False) and (Path(entry.path) / SIGNATURE_FILE).is_file():
            found.append(Path(entry.path))
    return found
