"""`hubd check`, `hubd serve` and `hubd --version` as a technician types them."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import hubd
from tests.integration.daemon.hub_process import prepare_hub


def hubd_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hubd", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_sentence_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_version() -> None:
    result = hubd_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"hubd {hubd.__version__}"


async def test_check_passes_on_a_healthy_hub(tmp_path: Path) -> None:
    config_path, _ = await prepare_hub(tmp_path, learners=2)
    result = hubd_cli("check", "--config", str(config_path))
    assert result.returncode == 0, result.stderr
    assert "passed its integrity check" in result.stdout
    assert "The hub looks healthy." in result.stdout


def test_check_of_a_new_data_dir_says_the_database_comes_on_first_start(tmp_path: Path) -> None:
    result = hubd_cli("check", "--data-dir", str(tmp_path))
    assert result.returncode == 0
    assert "makes it on first start" in result.stdout


def test_check_names_a_missing_config_and_the_fix(tmp_path: Path) -> None:
    line = one_sentence_error(hubd_cli("check", "--config", str(tmp_path / "nope.toml")))
    assert "does not exist" in line and "--config" in line


def test_check_names_a_bad_setting(tmp_path: Path) -> None:
    config = tmp_path / "hubd.toml"
    config.write_text("[web]\nport = 'http'\n")
    line = one_sentence_error(hubd_cli("check", "--config", str(config)))
    assert "web.port must be a whole number" in line


def test_check_names_a_missing_data_dir(tmp_path: Path) -> None:
    line = one_sentence_error(hubd_cli("check", "--data-dir", str(tmp_path / "nope")))
    assert "does not exist" in line


async def test_check_finds_a_corrupt_database(tmp_path: Path) -> None:
    config_path, _ = await prepare_hub(tmp_path, learners=50)
    db = tmp_path / "data" / "hub.sqlite3"
    data = bytearray(db.read_bytes())
    for offset in range(2 * 4096, len(data), 4096):
        data[offset + 8 : offset + 64] = b"\xff" * 56
    db.write_bytes(bytes(data))
    line = one_sentence_error(hubd_cli("check", "--config", str(config_path)))
    assert "is damaged" in line and "backup" in line


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A real read-only filesystem (root can write anywhere else)."""
    mount = tmp_path / "ro"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_serve_on_unwritable_data_dir_says_what_to_do(tmp_path: Path, read_only_dir: Path) -> None:
    config = tmp_path / "hubd.toml"
    config.write_text(f'[hub]\ndata_dir = "{read_only_dir}"\n[web]\nport = 0\n')
    line = one_sentence_error(hubd_cli("serve", "--config", str(config), timeout=30))
    assert f"The data directory {read_only_dir} cannot be written" in line
    assert "chown" in line


def test_serve_on_corrupt_database_refuses_to_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "hub.sqlite3").write_bytes(b"garbage" * 1000)
    config = tmp_path / "hubd.toml"
    config.write_text(f'[hub]\ndata_dir = "{data}"\n[web]\nport = 0\n')
    line = one_sentence_error(hubd_cli("serve", "--config", str(config), timeout=30))
    assert "is damaged" in line
    assert (data / "hub.sqlite3").read_bytes() == b"garbage" * 1000, "nothing was written over it"


def test_newer_schema_is_refused_by_check(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "hub.sqlite3")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    line = one_sentence_error(hubd_cli("check", "--data-dir", str(data)))
    assert "newer hubd" in line
