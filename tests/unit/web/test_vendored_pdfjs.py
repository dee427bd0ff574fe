"""The pdf.js files the hub serves are exactly the pinned npm package's, byte for byte.

scripts/vendor-pdfjs.sh copies them and records their sha256 in vendor.json. When the package
is installed (build/pdfjs/node_modules, after running the script) the copies are compared with
it directly; otherwise with the recorded sums, so the check also runs on a machine without npm.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
VENDOR = ROOT / "webui" / "static" / "vendor" / "pdfjs"
INSTALLED = ROOT / "build" / "pdfjs" / "node_modules" / "pdfjs-dist"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = _load(VENDOR / "vendor.json")
    return manifest


def test_manifest_names_the_version_pinned_in_package_json_and_its_lock() -> None:
    pinned = _load(ROOT / "webui" / "package.json")["dependencies"]["pdfjs-dist"]
    locked = _load(ROOT / "webui" / "package-lock.json")["packages"]["node_modules/pdfjs-dist"]
    assert pinned == locked["version"] == _manifest()["version"]
    assert locked["integrity"].startswith("sha512-")


def test_vendor_folder_holds_only_what_the_viewer_needs() -> None:
    names = {path.name for path in VENDOR.iterdir()}
    assert names == {"vendor.json", *_manifest()["files"]}
    assert {"pdf.min.mjs", "pdf.worker.min.mjs", "LICENSE"} <= names


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["pdf.min.mjs", "pdf.worker.min.mjs", "LICENSE"])
def test_committed_file_is_the_pinned_package_file(name: str) -> None:
    entry = _manifest()["files"][name]
    committed = _sha256(VENDOR / name)
    assert committed == entry["sha256"], f"{name} changed: rerun scripts/vendor-pdfjs.sh"
    if INSTALLED.is_dir():
        assert _load(INSTALLED / "package.json")["version"] == _manifest()["version"]
        assert committed == _sha256(INSTALLED / entry["from"])
