#!/bin/sh
# mmdebstrap setup hook: settings that must be in place before packages are configured.
set -eu
root=$1
mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/etc/initramfs-tools/hooks"
# A small initramfs, quick to build: zstd, and on amd64 only the drivers qemu and PCs need.
echo "COMPRESS=zstd" > "$root/etc/initramfs-tools/conf.d/hubd"
if [ "$HUBD_ARCH" = amd64 ]; then
  echo "MODULES=list" >> "$root/etc/initramfs-tools/conf.d/hubd"
  cat > "$root/etc/initramfs-tools/hooks/hubd" <<'HOOK'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
for module in virtio_pci virtio_blk virtio_scsi sd_mod ahci nvme ext4 crc32c_generic; do
  manual_add_modules "$module"
done
HOOK
  chmod +x "$root/etc/initramfs-tools/hooks/hubd"
fi
# No documentation or translations of system packages on the card.
mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
cat > "$root/etc/dpkg/dpkg.cfg.d/hubd-nodoc" <<'CFG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
CFG
