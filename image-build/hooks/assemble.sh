#!/bin/sh
# The partitioned image from the root tree: FAT boot, ext4 system, ext4 state (the hub's data,
# grown to fill the card on first boot). Filesystems are made from directories (mkfs -d,
# mcopy): no loop device and no mount needed.
#   assemble.sh WORK IMAGE BOOT_MB STATE_MB
set -eu
work=$1 image=$2 boot_mb=$3 state_mb=$4
rootfs=$work/rootfs

# mmdebstrap leaves /etc/machine-id empty (a stateless system, never a "first boot");
# "uninitialized" makes the card's first boot run hubd-firstboot.service.
echo uninitialized > "$rootfs/etc/machine-id"

mkdir -p "$work/bootfs" "$work/statefs"
if [ -d "$rootfs/boot/firmware" ]; then
  cp -a "$rootfs/boot/firmware/." "$work/bootfs/"
  rm -rf "$rootfs/boot/firmware/"*
fi
if [ -f "$work/vmlinuz" ]; then
  cp "$work/vmlinuz" "$work/initrd" "$work/bootfs/"
  echo "root=LABEL=hub-root ro console=ttyS0" > "$work/bootfs/cmdline.txt"
fi
chown --reference="$rootfs/var/lib/hubd" "$work/statefs"
chmod --reference="$rootfs/var/lib/hubd" "$work/statefs"

used_mb=$(du -sm "$rootfs" | cut -f1)
root_mb=$((used_mb + used_mb / 4 + 256))

mkfs.vfat -n HUB-BOOT -C "$work/boot.img" $((boot_mb * 1024)) >/dev/null
if [ -n "$(ls -A "$work/bootfs")" ]; then
  mcopy -s -i "$work/boot.img" "$work/bootfs/"* ::
fi
mkfs.ext4 -q -F -L hub-root -d "$rootfs" "$work/root.img" "${root_mb}M"
mkfs.ext4 -q -F -L hub-state -d "$work/statefs" "$work/state.img" "${state_mb}M"

mib=2048  # sectors
boot_start=$mib
root_start=$((boot_start + boot_mb * mib))
state_start=$((root_start + root_mb * mib))
total_mb=$((1 + boot_mb + root_mb + state_mb))
rm -f "$image"
truncate -s "${total_mb}M" "$image"
sfdisk --quiet "$image" <<TABLE
label: dos
start=$boot_start, size=$((boot_mb * mib)), type=c, bootable
start=$root_start, size=$((root_mb * mib)), type=83
start=$state_start, size=$((state_mb * mib)), type=83
TABLE
dd if="$work/boot.img" of="$image" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.img" of="$image" bs=1M seek=$((1 + boot_mb)) conv=notrunc,sparse status=none
dd if="$work/state.img" of="$image" bs=1M seek=$((1 + boot_mb + root_mb)) conv=notrunc,sparse status=none
