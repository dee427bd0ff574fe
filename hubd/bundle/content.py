"""Content bundles: a course package folder (docs/course-format.md) packed and unpacked.

Layout: the files' bytes, one after another in index order, form a single byte stream cut into
``blob`` parts (a big video simply continues into the next part); a final ``ndjson`` part is the
index, one record per file: ``{"path": ..., "sha256": ..., "size": ...}``. The index comes last
so that packing reads each file once, hashing it as it streams.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hubd.bundle import errors
from hubd.bundle.limits import DEFAULT_LIMITS, Limits
from hubd.bundle.manifest import ALL_HUBS, Manifest
from hubd.bundle.verified import VerifiedBundle
from hubd.bundle.writer import BundleWriter, Random

COURSE_FILE = "course.json"
_SEGMENT = re.compile(r"[A-Za-z0-9._-]{1,64}")
_SHA = re.compile(r"[0-9a-f]{64}")
MAX_SEGMENTS = 8


@dataclass(frozen=True)
class ContentFile:
    """One file of a course package."""

    path: str
    size: int
    sha256: str


def path_problem(path: str) -> str | None:
    """Why ``path`` is not a valid package path, or None if it is."""
    segments = path.split("/")
    if len(segments) > MAX_SEGMENTS:
        return "too many folder levels"
    for segment in segments:
        if segment in (".", "..") or not _SEGMENT.fullmatch(segment):
            return f"the name {segment!r} is not allowed"
    return None


def _content_error(detail: str) -> errors.BundleError:
    return errors.refuse(
        errors.CONTENT_INVALID, f"The course content is invalid ({detail}); it was not applied."
    )


def check_file_list(files: Sequence[ContentFile], limits: Limits) -> None:
    """Refuse a file list a hub must not unpack: bad paths, case clashes, limits."""
    if len(files) > limits.max_files:
        raise _content_error(f"more than {limits.max_files} files")
    seen: set[str] = set()
    folders: set[str] = set()
    total = 0
    for item in files:
        problem = path_problem(item.path)
        if problem:
            raise _content_error(f"{item.path!r}: {problem}")
        lowered = item.path.lower()
        if lowered in seen:
            raise _content_error(f"two files named {item.path!r} (upper/lower case aside)")
        seen.add(lowered)
        parts = lowered.split("/")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
        if item.size > limits.max_file_size:
            raise _content_error(f"{item.path!r} is larger than allowed")
        total += item.size
    if seen & folders:
        raise _content_error("a name is used both as a file and as a folder")
    if total > limits.max_content_size:
        raise _content_error("the course is larger than allowed")


def scan_course(folder: Path, limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, Path, int]]:
    """List a course folder's files as (package path, disk path, size), sorted by path."""
    if not (folder / COURSE_FILE).is_file():
        raise _content_error(f"{folder} has no {COURSE_FILE}")
    found: list[tuple[str, Path, int]] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        base = Path(root)
        for name in dirs + names:
            if (base / name).is_symlink():
                raise _content_error(f"{base / name} is a symbolic link")
        for name in names:
            path = base / name
            found.append((path.relative_to(folder).as_posix(), path, path.stat().st_size))
    found.sort()
    check_file_list([ContentFile(rel, size, "0" * 64) for rel, _, size in found], limits)
    return found


def pack_content(
    course: Path,
    bundle_folder: Path,
    *,
    fleet: str,
    sequence: int,
    signing_keys: Sequence[Ed25519PrivateKey],
    trust_files: tuple[bytes, bytes] | None = None,
    recipient: str = ALL_HUBS,
    limits: Limits = DEFAULT_LIMITS,
    level: int = 3,
    created: int | None = None,
    random: Random = os.urandom,
) -> Manifest:
    """Pack a course folder into a signed content bundle folder (which must not exist yet).

    ``random`` only exists so the test vectors are reproducible.
    """
    files = scan_course(course, limits)
    writer = BundleWriter(
        bundle_folder,
        kind="content",
        fleet=fleet,
        recipient=recipient,
        sequence=sequence,
        limits=limits,
        level=level,
        created=created,
        random=random,
    )
    index: list[dict[str, Any]] = []

    def data() -> Iterator[bytes]:
        for rel, path, size in files:
            sha = hashlib.sha256()
            left = size
            with path.open("rb") as src:
                while left:
                    block = src.read(min(limits.io_block, left))
                    if not block:
                        break
                    left -= len(block)
                    sha.update(block)
                    yield block
                if left or src.read(1):
                    raise _content_error(f"{rel} changed while it was being packed")
            index.append({"path": rel, "sha256": sha.hexdigest(), "size": size})

    try:
        writer.add_blob(data(), encrypt=False)
        writer.add_records(index, encrypt=False)
        if trust_files is not None:
            writer.include_trust(*trust_files)
        return writer.commit(signing_keys)
    except BaseException:
        shutil.rmtree(bundle_folder, ignore_errors=True)
        raise


def read_index(bundle: VerifiedBundle) -> list[ContentFile]:
    """The verified file list of a content bundle."""
    if bundle.manifest.kind != "content":
        raise _content_error("this is not a content bundle")
    files = []
    for record in bundle.records():
        path, size, sha = record.get("path"), record.get("size"), record.get("sha256")
        if (
            record.keys() != {"path", "size", "sha256"}
            or type(path) is not str
            or type(size) is not int
            or size < 0
            or type(sha) is not str
            or not _SHA.fullmatch(sha)
        ):
            raise _content_error("the file index has a malformed entry")
        files.append(ContentFile(path, size, sha))
        if len(files) > bundle.limits.max_files:
            raise _content_error(f"more than {bundle.limits.max_files} files")
    check_file_list(files, bundle.limits)
    blob_size = sum(p.uncompressed_size for p in bundle.manifest.parts if p.type == "blob")
    if sum(f.size for f in files) != blob_size:
        raise _content_error("the file index does not match the data")
    return files


def unpack_content(bundle: VerifiedBundle, dest: Path) -> list[ContentFile]:
    """Unpack a verified content bundle into a new folder ``dest``; each file's hash is checked.

    On any failure ``dest`` is removed, so a half course never exists.
    """
    files = read_index(bundle)
    dest.mkdir(mode=0o755, parents=False, exist_ok=False)
    try:
        stream = bundle.blob()
        # A memoryview window over the current chunk: slicing it copies nothing, which matters
        # when thousands of small files come out of one 4 MiB chunk.
        pending = memoryview(b"")
        for item in files:
            target = dest.joinpath(*item.path.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            sha = hashlib.sha256()
            left = item.size
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as out:
                while left:
                    if not pending:
                        pending = memoryview(next(stream, b""))
                        if not pending:
                            raise _content_error("the data ends before the last file")
                    piece, pending = pending[:left], pending[left:]
                    out.write(piece)
                    sha.update(piece)
                    left -= len(piece)
            if sha.hexdigest() != item.sha256:
                raise _content_error(f"{item.path} does not match its checksum")
        if len(pending) or next(stream, None) is not None:
            raise _content_error("there is data after the last file")
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return files
