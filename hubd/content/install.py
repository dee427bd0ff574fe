"""Installing a course package folder: files into the blob store, then one transaction."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from hubd.content.blobs import BlobStore
from hubd.content.package import (
    MANIFEST_NAME,
    CourseManifest,
    check_file_list,
    parse_manifest,
    parse_quiz,
)
from hubd.errors import CoursePackageError, HubError
from hubd.storage import catalogue
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock

_LOGGER = logging.getLogger(__name__)
_VTT_TIMING = re.compile(r"^\s*(\d+:)?\d+:\d+[.,]\d+\s*-->")
MAX_INDEXED_TEXT = 200_000


class CourseAlreadyInstalled(HubError):
    status = 409
    code = "course_installed"


@dataclass(frozen=True, slots=True)
class InstallReport:
    course_id: str
    title: str
    version: int
    previous_version: int | None
    files: int
    bytes: int


def scan_folder(folder: Path) -> dict[str, int]:
    """Every regular file under a package folder as {relative path: size}; refuses links."""
    if not folder.is_dir():
        raise CoursePackageError(f"{folder} is not a folder.")
    found: list[tuple[str, int]] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        for name in [*dirnames, *filenames]:
            info = (base / name).lstat()
            rel = (base / name).relative_to(folder).as_posix()
            if stat.S_ISLNK(info.st_mode):
                raise CoursePackageError(
                    f"The package holds a link ({rel}); links are not allowed."
                )
            if name in filenames:
                if not stat.S_ISREG(info.st_mode):
                    raise CoursePackageError(f"{rel} is not a regular file.")
                found.append((rel, info.st_size))
    return check_file_list(found)


def read_package(folder: Path) -> tuple[CourseManifest, dict[str, int]]:
    """Check a package folder and parse its manifest and quizzes, without installing."""
    files = scan_folder(folder)
    if MANIFEST_NAME not in files:
        raise CoursePackageError(f"{folder} has no course.json, so it is not a course package.")
    manifest = parse_manifest((folder / MANIFEST_NAME).read_bytes(), files)
    for lesson in manifest.lessons:
        if lesson.kind == "quiz":
            parse_quiz((folder / lesson.file).read_bytes(), lesson.file)
    return manifest, files


def search_texts(folder: Path, manifest: CourseManifest) -> list[catalogue.SearchText]:
    """What search finds: the course, each lesson's title and its words (text, captions, quiz)."""
    texts = [catalogue.SearchText(None, manifest.title, manifest.description)]
    for lesson in manifest.lessons:
        body = ""
        if lesson.kind == "text":
            body = _read_text(folder / lesson.file)
        elif lesson.kind == "quiz":
            questions = parse_quiz((folder / lesson.file).read_bytes(), lesson.file)
            body = "\n".join(q.prompt for q in questions)
        elif lesson.captions:
            body = _captions_text(_read_text(folder / lesson.captions))
        texts.append(catalogue.SearchText(lesson.lesson_id, lesson.title, body))
    return texts


def _read_text(path: Path) -> str:
    with path.open("rb") as f:
        return f.read(MAX_INDEXED_TEXT).decode("utf-8", errors="replace")


def _captions_text(vtt: str) -> str:
    lines = []
    for line in vtt.splitlines():
        if (
            not line.strip()
            or line.startswith("WEBVTT")
            or _VTT_TIMING.match(line)
            or line.isdigit()
        ):
            continue
        lines.append(line)
    return "\n".join(lines)


async def install_folder(
    store: Store,
    blobs: BlobStore,
    clock: HybridClock,
    wall_ms: int,
    folder: Path,
    *,
    reinstall: bool = False,
    bundle: catalogue.BundleSequence | None = None,
) -> InstallReport:
    """Install (or upgrade) a course from a package folder; all of it becomes visible at once."""
    manifest, files = await asyncio.to_thread(read_package, folder)
    texts = await asyncio.to_thread(search_texts, folder, manifest)
    installed: list[catalogue.InstalledFile] = []
    for path in sorted(files):
        sha, size = await asyncio.to_thread(blobs.put_file, folder / path)
        if size != files[path]:
            raise CoursePackageError(f"{path} changed while it was being installed; try again.")
        installed.append(catalogue.InstalledFile(path, sha, size))
    try:
        outcome = await store.write(
            catalogue.install_course(
                manifest, installed, texts, clock.now(wall_ms), reinstall=reinstall, bundle=bundle
            )
        )
    except catalogue.OlderVersion as exc:
        raise CourseAlreadyInstalled(
            f"{manifest.title} version {exc.installed} is already installed; "
            f"version {manifest.version} was not installed over it."
        ) from None
    # Files only the replaced version used go once the new version is committed.
    await asyncio.to_thread(blobs.remove, outcome.orphaned_blobs)
    _LOGGER.info(
        "Installed course %s version %d (was %s), %d files",
        manifest.course_id,
        manifest.version,
        outcome.previous_version,
        len(installed),
    )
    return InstallReport(
        course_id=manifest.course_id,
        title=manifest.title,
        version=manifest.version,
        previous_version=outcome.previous_version,
        files=len(installed),
        bytes=sum(f.size for f in installed),
    )
