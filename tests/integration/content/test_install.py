"""Installing courses: all or nothing, versions share files, old files go."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hubd.content.blobs import BlobStore
from hubd.content.install import CourseAlreadyInstalled, install_folder
from hubd.errors import CoursePackageError
from hubd.storage import catalogue
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock

WALL = 1_795_000_000_000


class Hub:
    def __init__(self, store: Store, blobs: BlobStore) -> None:
        self.store = store
        self.blobs = blobs
        self.clock = HybridClock()

    async def install(self, folder: Path, **kwargs: Any) -> Any:
        return await install_folder(self.store, self.blobs, self.clock, WALL, folder, **kwargs)

    def blob_files(self) -> set[str]:
        return {p.name for p in self.blobs.root.glob("??/*")}


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    store = await Store.open(tmp_path / "hub.sqlite3")
    yield Hub(store, BlobStore(tmp_path / "blobs"))
    await store.close()


async def test_new_version_shares_unchanged_files(hub: Hub, make_course: Any) -> None:
    video = os.urandom(300_000)
    await hub.install(make_course(version=1, video=video, text="uno"))
    files_v1 = hub.blob_files()
    report = await hub.install(make_course(version=2, video=video, text="dos"))
    assert report.previous_version == 1
    files_v2 = hub.blob_files()
    # Only course.json and intro.md changed: the 300 kB video is stored once.
    assert len(files_v2 - files_v1) == 2
    assert len(files_v1 - files_v2) == 2, "files only the old version used are removed"
    async with hub.store.reader() as db:
        course = await catalogue.get_course(db, "fracciones")
        found = await catalogue.find_file(db, "fracciones", "intro.md")
    assert course is not None and course.version == 2
    assert found is not None
    assert hub.blobs.path_for(found.sha256).read_text() == "dos"


async def test_older_or_same_version_is_not_installed_over_newer(
    hub: Hub, make_course: Any
) -> None:
    await hub.install(make_course(version=3))
    with pytest.raises(CourseAlreadyInstalled, match="version 3 is already installed"):
        await hub.install(make_course(version=2, text="older"))
    report = await hub.install(make_course(version=3, text="fixed"), reinstall=True)
    assert report.version == 3


async def test_broken_package_leaves_the_installed_version_untouched(
    hub: Hub, make_course: Any
) -> None:
    await hub.install(make_course(version=1, text="buena"))
    before = hub.blob_files()
    broken = make_course(version=2, text="rota")
    (broken / "quiz.json").write_text(json.dumps({"questions": [{"id": "q1"}]}))
    with pytest.raises(CoursePackageError):
        await hub.install(broken)
    async with hub.store.reader() as db:
        course = await catalogue.get_course(db, "fracciones")
        hits = await catalogue.search(db, "buena", language=None)
    assert course is not None and course.version == 1
    assert hits, "the old version is still searchable"
    assert hub.blob_files() == before


async def test_a_failure_inside_the_transaction_shows_nothing_of_the_new_version(
    hub: Hub, make_course: Any, tmp_path: Path
) -> None:
    await hub.install(make_course(version=1, text="primera"))
    # A trigger makes the last statement of the install fail: everything before it must vanish.
    conn = sqlite3.connect(tmp_path / "hub.sqlite3")
    conn.execute(
        "CREATE TRIGGER fail_install AFTER INSERT ON lessons WHEN NEW.lesson_id = 'post'"
        " BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    conn.close()
    with pytest.raises(Exception, match="simulated failure"):
        await hub.install(make_course(version=2, text="segunda"))
    async with hub.store.reader() as db:
        course = await catalogue.get_course(db, "fracciones")
        lessons = await catalogue.course_lessons(db, "fracciones")
        new_hits = await catalogue.search(db, "segunda", language=None)
    assert course is not None and course.version == 1
    assert len(lessons) == 6
    assert new_hits == []


async def test_links_in_a_package_are_refused(hub: Hub, make_course: Any, tmp_path: Path) -> None:
    folder = make_course()
    secret = tmp_path / "secret.txt"
    secret.write_text("teacher passwords")
    (folder / "intro.md").unlink()
    (folder / "intro.md").symlink_to(secret)
    with pytest.raises(CoursePackageError, match="link"):
        await hub.install(folder)


async def test_folder_without_manifest_is_not_a_course(hub: Hub, tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"x")
    with pytest.raises(CoursePackageError, match=r"has no course\.json"):
        await hub.install(tmp_path / "photos")
