"""Key files, trust documents, and the operator commands as an operator runs them."""

from __future__ import annotations

import argparse
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hubd.bundle import BundleError, KeyFileError, cli, ensure_hub_identity, load_hub_identity
from hubd.bundle import errors as e
from hubd.bundle.keys import load_signing_key, write_private_key
from hubd.bundle.trust import accept_trust, delegate, rotate_root, sign_trust
from tests.unit.bundle.bundlekit import Fleet, pub


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="hubd")
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bundle", *argv])
    result: int = args.func(args)
    return result


def test_private_key_files_are_0600_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "content.key"
    write_private_key(path, Ed25519PrivateKey.generate())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(KeyFileError) as info:
        write_private_key(path, Ed25519PrivateKey.generate())
    assert "already exists" in info.value.reason
    assert path.read_bytes() == before


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "content.key"
    write_private_key(path, Ed25519PrivateKey.generate())
    path.chmod(0o644)
    with pytest.raises(KeyFileError) as info:
        load_signing_key(path)
    assert "chmod 600" in info.value.reason


def test_hub_identity_is_made_once_and_kept(tmp_path: Path) -> None:
    first = ensure_hub_identity(tmp_path / "keys")
    again = ensure_hub_identity(tmp_path / "keys")
    assert first.key_id == again.key_id == load_hub_identity(tmp_path / "keys").key_id
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_root_rotation_needs_both_roots(fleet: Fleet) -> None:
    new_root = Ed25519PrivateKey.generate()
    rotated = rotate_root(fleet.trust, new_root)
    assert accept_trust(fleet.trust, *sign_trust(rotated, [fleet.root, new_root])) == rotated
    for signers, code in (([new_root], e.SIGNER_UNKNOWN), ([fleet.root], e.TOO_FEW_SIGNATURES)):
        with pytest.raises(BundleError) as info:
            accept_trust(fleet.trust, *sign_trust(rotated, signers))
        assert info.value.code == code
    # After the rotation only the new root can delegate.
    later = delegate(rotated, "reply", [pub(new_root)], 1)
    with pytest.raises(BundleError):
        accept_trust(rotated, *sign_trust(later, [fleet.root]))
    assert accept_trust(rotated, *sign_trust(later, [new_root])).serial == later.serial


def test_older_trust_document_is_ignored_not_adopted(fleet: Fleet) -> None:
    newer = delegate(fleet.trust, "reply", [pub(fleet.software)], 1)
    assert accept_trust(newer, *fleet.trust_files) == newer


def test_operator_workflow_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = tmp_path
    for name in ("root", "c1", "c2"):
        assert run("keygen", "--out", str(t / f"{name}.key")) == 0
    assert run("keygen", "--encryption", "--out", str(t / "central.key")) == 0
    assert run("keygen", "--hub", "--out", str(t / "hub")) == 0
    out = capsys.readouterr().out
    assert "PRIVATE" not in out and "public key ed25519:" in out
    assert run("trust", "init", "--fleet", "demo", "--root-key", str(t / "root.key"),
               "--central-key", str(t / "central.pub"), "--out", str(t / "trust")) == 0  # fmt: skip
    assert run("trust", "delegate", "--trust", str(t / "trust"), "--role", "content",
               "--key", str(t / "c1.pub"), "--key", str(t / "c2.pub"), "--threshold", "2",
               "--root-key", str(t / "root.key")) == 0  # fmt: skip
    course = t / "course"
    (course / "media").mkdir(parents=True)
    (course / "course.json").write_text("{}")
    (course / "media" / "clip.webm").write_bytes(os.urandom(5000))
    assert run("pack-content", str(course), "--out", str(t / "b"), "--trust", str(t / "trust"),
               "--key", str(t / "c1.key"), "--sequence", "1") == 0  # fmt: skip
    capsys.readouterr()
    verify = ("verify", str(t / "b"), "--root", str(t / "root.pub"), "--fleet", "demo")
    assert run(*verify) == 1
    assert "needs 2 signatures" in capsys.readouterr().err
    assert run("sign", str(t / "b"), "--key", str(t / "c2.key")) == 0
    assert run(*verify, "--identity", str(t / "hub")) == 0
    assert "OK" in capsys.readouterr().out
    assert run("to-stream", str(t / "b"), str(t / "b.stream")) == 0
    assert run("unpack-content", str(t / "b.stream"), "--trust", str(t / "trust"),
               "--out", str(t / "unpacked")) == 0  # fmt: skip
    assert (t / "unpacked" / "media" / "clip.webm").read_bytes() == (
        course / "media" / "clip.webm"
    ).read_bytes()
    assert run("inspect", str(t / "b.stream")) == 0
    assert run("enrol", "--identity", str(t / "hub"), "--fleet", "demo", "--out", str(t / "e")) == 0
    assert run("verify", str(t / "e"), "--trust", str(t / "trust"),
               "--central-key", str(t / "central.key")) == 0  # fmt: skip


def test_cli_errors_are_one_sentence_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("keygen", "--out", str(tmp_path / "k.key")) == 0
    assert run("keygen", "--out", str(tmp_path / "k.key")) == 1
    assert run("verify", str(tmp_path / "missing"), "--trust", str(tmp_path / "none")) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert all(line.startswith("error: ") for line in err.strip().splitlines())
    assert "already exists" in err
