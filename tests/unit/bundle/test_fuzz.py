"""Fuzzing in the normal suite, bounded: a structure-aware hypothesis fuzzer and atheris briefly.

Whatever is done to a bundle, reading it either gives back exactly what was packed or raises
BundleError with a reason, and a refusal leaves no work copy behind.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubd.bundle import BundleError, read_bundle_folder, read_bundle_stream
from hubd.bundle.manifest import MANIFEST_FILE, SIGNATURE_FILE, parse_manifest
from hubd.bundle.stream import write_bundle_stream
from tests.unit.bundle.bundlekit import SMALL, Fleet, resign, sample_records

ROOT = Path(__file__).parents[3]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values of the wrong shape for any manifest field: the structure-aware half of the fuzzer.
odd_values: st.SearchStrategy[Any] = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.just({}),
)


def _read(fleet: Fleet, folder: Path, work: Path) -> list[dict[str, Any]] | None:
    try:
        with read_bundle_folder(folder, work, fleet.hub_policy()) as bundle:
            return list(bundle.records())
    except BundleError as error:
        assert error.reason and error.code
        assert not work.exists()
        return None


@FUZZ
@given(
    target=st.sampled_from(["manifest", "signature", "part"]),
    edit=st.sampled_from(["flip", "truncate", "insert", "delete"]),
    where=st.floats(min_value=0, max_value=1),
    payload=st.binary(min_size=1, max_size=8),
)
def test_byte_level_damage_is_refused_or_harmless(
    fleet: Fleet, tmp_path: Path, target: str, edit: str, where: float, payload: bytes
) -> None:
    folder = _fresh(fleet, tmp_path)
    name = {"manifest": MANIFEST_FILE, "signature": SIGNATURE_FILE, "part": "p0000.zse"}[target]
    data = bytearray((folder / name).read_bytes())
    at = min(int(where * len(data)), len(data) - 1)
    if edit == "flip":
        data[at] ^= payload[0] or 1
    elif edit == "truncate":
        del data[at:]
    elif edit == "insert":
        data[at:at] = payload
    else:
        del data[at : at + len(payload)]
    (folder / name).write_bytes(bytes(data))
    assert _read(fleet, folder, tmp_path / "work") is None


@FUZZ
@given(
    path=st.sampled_from(
        [
            "kind",
            "id",
            "fleet",
            "issuer",
            "recipient",
            "sequence",
            "created",
            "version",
            "key_wrap",
            "part.name",
            "part.size",
            "part.uncompressed_size",
            "part.sha256",
            "part.type",
            "part.encrypted",
            "extra",
        ]
    ),
    value=odd_values,
)
def test_resigned_manifest_with_odd_values_is_refused_or_exact(
    fleet: Fleet, tmp_path: Path, path: str, value: Any
) -> None:
    folder = _fresh(fleet, tmp_path)
    doc = json.loads((folder / MANIFEST_FILE).read_bytes())
    if path.startswith("part."):
        doc["parts"][0][path[5:]] = value
    else:
        doc[path] = value
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    (folder / MANIFEST_FILE).write_bytes(raw.encode("utf-8"))
    resign(folder, [fleet.reply])
    records = _read(fleet, folder, tmp_path / "work")
    # An edit that happens to keep the manifest valid must still give the original records.
    assert records is None or records == sample_records(200)


@FUZZ
@given(cut=st.integers(min_value=0), flip=st.integers(min_value=0), bits=st.integers(1, 255))
def test_stream_damage_is_refused(
    fleet: Fleet, tmp_path: Path, cut: int, flip: int, bits: int
) -> None:
    out = io.BytesIO()
    write_bundle_stream(_fresh(fleet, tmp_path), out)
    data = bytearray(out.getvalue())
    data[flip % len(data)] ^= bits
    if cut % 2:  # half the cases also lose a tail
        del data[len(data) - cut % len(data) :]
    try:
        with read_bundle_stream(io.BytesIO(bytes(data)), tmp_path / "w", fleet.hub_policy()) as b:
            assert list(b.records()) == sample_records(200)
            raise AssertionError("a damaged stream was accepted")
    except BundleError:
        assert not (tmp_path / "w").exists()


def _fresh(fleet: Fleet, tmp_path: Path) -> Path:
    """A pristine copy of one reply bundle per test (packing once keeps the fuzzer fast)."""
    source = tmp_path / "pristine"
    if not source.exists():
        fleet.reply_bundle().rename(source)
    folder = tmp_path / "case"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder)
    manifest = parse_manifest((folder / MANIFEST_FILE).read_bytes(), SMALL)
    assert manifest.parts[0].name == "p0000.zse"
    return folder


def test_atheris_target_runs_clean_for_a_few_seconds(tmp_path: Path) -> None:
    target = ROOT / "tests" / "fuzz" / "fuzz_bundle.py"
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(target), "--seed", str(corpus)], check=True)
    result = subprocess.run(
        [sys.executable, str(target), "-max_total_time=8", "-rss_limit_mb=1024", str(corpus)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr
