"""`hubd admin reset-password` on the hub's console, for when every password is forgotten."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hubd.auth.hashing import check_password, hash_password
from hubd.cli import main
from hubd.storage import staff
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock


async def make_hub(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    store = await Store.open(data_dir / "hub.sqlite3")
    try:
        await store.write(ensure_identity("Hub", HybridClock(), 1))
        await store.write(
            staff.add_member("s1", "ana", "Ana", hash_password("old password"), "admin", 2)
        )
        await store.write(staff.record_failed_login("s1"))
    finally:
        await store.close()


async def login_hash(data_dir: Path) -> staff.StaffLogin:
    store = await Store.open(data_dir / "hub.sqlite3")
    try:
        async with store.reader() as db:
            record = await staff.login_record(db, "ana")
    finally:
        await store.close()
    assert record is not None
    return record


async def test_reset_password_sets_it_and_unlocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    await make_hub(data_dir)
    monkeypatch.setattr("sys.stdin", io.StringIO("brand new password\n"))
    code = await _run(
        ["admin", "reset-password", "--data-dir", str(data_dir), "--password-stdin", "ANA"]
    )
    assert code == 0
    assert "is changed" in capsys.readouterr().out
    record = await login_hash(data_dir)
    assert check_password(record.password_hash, "brand new password")
    assert record.member.failed_logins == 0


async def test_reset_password_names_the_accounts_when_the_username_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    await make_hub(data_dir)
    monkeypatch.setattr("sys.stdin", io.StringIO("brand new password\n"))
    code = await _run(
        ["admin", "reset-password", "--data-dir", str(data_dir), "--password-stdin", "bob"]
    )
    assert code == 1
    assert "accounts: ana" in capsys.readouterr().err


async def test_reset_password_refuses_a_short_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    await make_hub(data_dir)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code = await _run(
        ["admin", "reset-password", "--data-dir", str(data_dir), "--password-stdin", "ana"]
    )
    assert code == 1 and "at least 8" in capsys.readouterr().err
    assert check_password((await login_hash(data_dir)).password_hash, "old password")


async def _run(argv: list[str]) -> int:
    """The command runs its own event loop, so it runs in a thread here."""
    import asyncio

    return await asyncio.to_thread(main, argv)
