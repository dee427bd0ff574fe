"""The units in systemd/ pass systemd's own checks, as installed in the image's layout."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
UNITS = ["hubd.service", "hubd-firstboot.service"]
SYSTEM_UNITS = Path("/lib/systemd/system")


@pytest.fixture
def installed_root(tmp_path: Path) -> Path:
    """A root tree laid out as the image lays it out: systemd's own units, ours, and the real
    programs they start (the project's hubd, the image's first boot script)."""
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(ROOT / "systemd" / unit, root / "etc/systemd/system" / unit)
    hubd = shutil.which("hubd", path=str(ROOT / ".venv/bin")) or shutil.which("hubd")
    assert hubd is not None, "the project is not installed (pip install -e .)"
    (root / "opt/hubd/bin").mkdir(parents=True)
    shutil.copy(hubd, root / "opt/hubd/bin/hubd")
    (root / "usr/lib/hubd").mkdir(parents=True)
    shutil.copy(ROOT / "image-build/overlay/usr/lib/hubd/firstboot", root / "usr/lib/hubd/")
    return root


def test_systemd_analyze_verify_passes_without_a_warning(installed_root: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", f"--root={installed_root}", *UNITS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == "", result.stdout + result.stderr


def test_hub_service_exposure_is_rated_ok(installed_root: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", f"--root={installed_root}",
         "hubd.service"],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Overall exposure level for hubd.service: ([0-9.]+) (\w+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.5 and match.group(2) == "OK", match.group(0)


def unit_settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (ROOT / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_hub_service_is_what_the_appliance_needs() -> None:
    hub = unit_settings("hubd.service")
    assert hub["Type"] == ["notify"]
    assert hub["Restart"] == ["on-failure"]
    assert hub["User"] == ["hubd"] and "DynamicUser" not in hub
    assert hub["StateDirectory"] == ["hubd"]
    assert hub["ProtectSystem"] == ["strict"]
    assert hub["NoNewPrivileges"] == ["yes"]
    assert hub["CapabilityBoundingSet"] == ["CAP_NET_BIND_SERVICE"]
    assert int(hub["WatchdogSec"][0]) > 0
    assert "AF_PACKET" not in hub["RestrictAddressFamilies"][0]
    first = unit_settings("hubd-firstboot.service")
    assert first["ConditionFirstBoot"] == ["yes"]
    assert "hubd.service" in first["Before"][0]
    assert "hubd-firstboot.service" in hub["After"][0]
