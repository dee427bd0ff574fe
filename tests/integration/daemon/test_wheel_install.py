"""A plain (non-editable) install of the wheel gives a working hub: the SD image installs it so."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import aiohttp
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("learning_hub-*.whl")
    return built


def test_wheel_carries_templates_static_files_migrations_and_samples(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "hubd/_webui/templates/base.html" in names
    assert "hubd/_webui/static/hub.css" in names
    assert "hubd/storage/migrations/0001_initial.sql" in names
    samples = {n.split("/")[2] for n in names if re.match(r"hubd/_samples/[^/]+/course\.json$", n)}
    assert len(samples) >= 3, samples
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


async def test_installed_wheel_runs_the_demo_hub(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import hubd; print(hubd.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site)), "the test must run the installed copy"

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hubd",
        "demo",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path / "demo"),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    printed: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("teacher login:" in line for line in printed):
                line = (await proc.stdout.readline()).decode()
                assert line, "hubd demo exited early:\n" + "".join(printed)
                printed.append(line)
        text = "".join(printed)
        url = re.search(r"running at (http://\S+)", text)
        login = re.search(r"teacher login:\s+(\S+) / (\S+)", text)
        assert url and login, text
        async with aiohttp.ClientSession() as session:
            courses = await (await session.get(url.group(1) + "api/v1/courses")).json()
            assert {c["language"] for c in courses["courses"]} >= {"en", "es", "ar"}
            home = await (await session.get(url.group(1))).text()
            for course in courses["courses"]:
                assert course["title"] in home
                page = await session.get(url.group(1) + "courses/" + course["id"])
                assert page.status == 200
            css = await session.get(url.group(1) + "static/hub.css")
            assert css.status == 200
        stored = (tmp_path / "demo" / "demo-login.txt").read_text().split()
        assert stored == [login.group(1), login.group(2)]
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
