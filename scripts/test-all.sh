#!/usr/bin/env bash
# Install everything the tests need (Debian packages, a virtualenv with the project and its test
# extra) and run the whole suite: lint, types, tests. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: real filesystems (mount/umount for tmpfs, losetup), and
# Chromium for the browser tests (Playwright drives it; it never downloads a browser).
DEBIAN_PACKAGES=(util-linux mount chromium fusefat exfat-fuse exfatprogs dosfstools)
# Emoji as a phone draws them (the picture passwords), so the screenshots show what a child sees.
DEBIAN_PACKAGES+=(fonts-noto-color-emoji)
# The appliance (issue 8): systemd-analyze for the units, iproute2 for the mDNS tests' private
# network, and what builds the SD image and boots it under qemu (tests/image).
DEBIAN_PACKAGES+=(systemd iproute2 mmdebstrap e2fsprogs fdisk mtools qemu-system-x86)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
echo "== installing the project and its test extra"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

# Central's tests run on SQLite and PostgreSQL: provide a server when the machine has none.
source scripts/postgres-for-tests.sh

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (strict)"
.venv/bin/mypy
echo "== pytest"
# Tests mount real filesystems (tmpfs, FAT images): they run as root, as CI does.
if [ "$(id -u)" -eq 0 ]; then
  .venv/bin/pytest "$@"
else
  sudo --preserve-env=PATH,CENTRAL_POSTGRES_URL .venv/bin/pytest "$@"
fi
