#!/usr/bin/env bash
# Build the hub's flashable SD-card image from this repository.
#
#   image-build/build-image.sh [--arch arm64|amd64] [--out DIR] [--hub-config FILE]
#       [--wifi-ssid NAME] [--wifi-passphrase TEXT] [--wifi-country CC]
#       [--ssh-authorized-keys FILE]
#
# arm64 (the default) is the Raspberry Pi image; amd64 is the same recipe for a PC or for
# qemu (the boot test). Writes DIR/hub-ARCH.img, and beside it hub-ARCH.vmlinuz and
# hub-ARCH.initrd for qemu's direct kernel boot (the boot tests). Needs root, mmdebstrap,
# e2fsprogs, fdisk, dosfstools, mtools, and for arm64 on a PC qemu-user-static with binfmt.
# docs/appliance.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
ARCH=arm64
OUT=$ROOT/build/image
HUB_CONFIG=$HERE/site/hubd.toml
WIFI_SSID="Learning Hub"
WIFI_PASSPHRASE=""
WIFI_COUNTRY=US
SSH_KEYS=""
SUITE=bookworm
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
PYTHON=${PYTHON:-}
STATE_MB=64  # grown to fill the card on first boot
BOOT_MB=256

die() { echo "build-image: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) ARCH=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --hub-config) HUB_CONFIG=$2; shift 2 ;;
    --wifi-ssid) WIFI_SSID=$2; shift 2 ;;
    --wifi-passphrase) WIFI_PASSPHRASE=$2; shift 2 ;;
    --wifi-country) WIFI_COUNTRY=$2; shift 2 ;;
    --ssh-authorized-keys) SSH_KEYS=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
case "$ARCH" in
  amd64) KERNEL=linux-image-amd64; WHEEL_ARCH=x86_64; EXTRA=() ;;
  arm64) KERNEL=linux-image-arm64; WHEEL_ARCH=aarch64
         EXTRA=(raspi-firmware firmware-brcm80211) ;;
  *) die "--arch must be arm64 or amd64" ;;
esac
[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap and the image's file owners need it)"
for tool in mmdebstrap mkfs.ext4 sfdisk mkfs.vfat mcopy; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install mmdebstrap e2fsprogs fdisk dosfstools mtools"
done
if [ -z "$PYTHON" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON=$ROOT/.venv/bin/python; else PYTHON=python3; fi
fi
[ ${#WIFI_PASSPHRASE} -eq 0 ] || [ ${#WIFI_PASSPHRASE} -ge 8 ] || die "--wifi-passphrase needs 8 to 63 characters"
[[ "$WIFI_COUNTRY" =~ ^[A-Z][A-Z]$ ]] || die "--wifi-country must be two capital letters, such as KE or PE"

# The site's configuration must be one hubd accepts, and public only.
HUB_CONFIG=$(readlink -f "$HUB_CONFIG")
(cd "$ROOT" && "$PYTHON" -c 'import sys; from pathlib import Path; from hubd.config import load_config; load_config(Path(sys.argv[1]))' "$HUB_CONFIG") \
  || die "$HUB_CONFIG is not a valid hubd configuration"
if grep -qiE -e '-----BEGIN' -e '^[^#]*(private|secret)[a-z_]*[[:space:]]*=' "$HUB_CONFIG"; then
  die "$HUB_CONFIG looks like it holds a private key: only public keys go into an image"
fi

mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
WORK=$(mktemp -d "$OUT/.work-$ARCH.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS
step() { echo "== [$((SECONDS - started))s] $*"; }

step "hubd wheel and its dependencies for cp311 $WHEEL_ARCH"
mkdir -p "$WORK/wheels"
build_isolation=()
"$PYTHON" -c 'import hatchling' 2>/dev/null && build_isolation=(--no-build-isolation)
"$PYTHON" -m pip wheel -q --no-deps "${build_isolation[@]}" -w "$WORK/wheels" "$ROOT"
platforms=()
for glibc in 2_17 2_24 2_26 2_27 2_28 2_31 2_34 2_35 2_36; do
  platforms+=(--platform "manylinux_${glibc}_${WHEEL_ARCH}")
done
platforms+=(--platform "manylinux2014_${WHEEL_ARCH}")
"$PYTHON" -m pip download -q --only-binary=:all: --python-version 3.11 --implementation cp \
  --abi cp311 --abi abi3 --abi none "${platforms[@]}" -d "$WORK/wheels" "$WORK"/wheels/learning_hub-*.whl

step "Debian $SUITE $ARCH root filesystem (mmdebstrap)"
packages=(systemd systemd-sysv udev dbus kmod iproute2 procps less
  python3 python3-venv hostapd dnsmasq iw openssh-server fdisk
  initramfs-tools zstd wireless-regdb "$KERNEL" "${EXTRA[@]}")
export HUBD_ARCH=$ARCH HUBD_WORK=$WORK HUBD_ROOT=$ROOT HUBD_HERE=$HERE HUB_CONFIG \
  WIFI_SSID WIFI_PASSPHRASE WIFI_COUNTRY SSH_KEYS
mmdebstrap --variant=minbase --architectures="$ARCH" \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --setup-hook="\"$HERE/hooks/setup.sh\" \"\$1\"" \
  --essential-hook="\"$HERE/hooks/essential.sh\" \"\$1\"" \
  --customize-hook="\"$HERE/hooks/customize.sh\" \"\$1\"" \
  "$SUITE" "$WORK/rootfs" \
  "deb $MIRROR $SUITE main non-free-firmware" \
  "deb $MIRROR $SUITE-updates main non-free-firmware" \
  "deb $SECURITY_MIRROR $SUITE-security main non-free-firmware"

step "filesystems and the partitioned image"
"$HERE/hooks/assemble.sh" "$WORK" "$OUT/hub-$ARCH.img" "$BOOT_MB" "$STATE_MB"
if [ "$ARCH" = amd64 ]; then
  cp "$WORK/vmlinuz" "$OUT/hub-amd64.vmlinuz"
  cp "$WORK/initrd" "$OUT/hub-amd64.initrd"
else
  cp "$WORK/qemu-vmlinuz" "$OUT/hub-arm64.vmlinuz"
  cp "$WORK/qemu-initrd" "$OUT/hub-arm64.initrd"
fi
step "done: $OUT/hub-$ARCH.img ($(du -h --apparent-size "$OUT/hub-$ARCH.img" | cut -f1))"
