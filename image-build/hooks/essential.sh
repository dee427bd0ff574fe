#!/bin/sh
# mmdebstrap essential hook: no initramfs is made while the image's packages install. The
# kernel, udev, zstd and others each ask for one; under qemu-user emulation every one takes
# minutes. customize.sh puts update-initramfs back and makes the initramfs once, at the end.
set -eu
root=$1
chroot "$root" dpkg-divert --quiet --local --rename \
  --divert /usr/sbin/update-initramfs.hubd-held --add /usr/sbin/update-initramfs
cat > "$root/usr/sbin/update-initramfs" <<'HELD'
#!/bin/sh
# Held back while the image's packages install (image-build/hooks/essential.sh).
exit 0
HELD
chmod 0755 "$root/usr/sbin/update-initramfs"
