#!/bin/sh
# mmdebstrap customize hook: hubd, its units, the access point and first boot, into the tree.
set -eu
root=$1
in_root() { chroot "$root" "$@"; }

# Configuration files (Wi-Fi address, DNS/DHCP, journal in RAM, first boot script).
cp -a "$HUBD_HERE/overlay/." "$root/"
install -m 0644 "$HUBD_ROOT/systemd/hubd.service" "$HUBD_ROOT/systemd/hubd-firstboot.service" \
  "$root/etc/systemd/system/"
# The USB stick helper (docs/usb.md): a socket-activated root helper that mounts sticks for hubd.
install -m 0644 "$HUBD_ROOT/systemd/hubd-stick.socket" "$HUBD_ROOT/systemd/hubd-stick@.service" \
  "$root/etc/systemd/system/"
install -D -m 0644 "$HUBD_ROOT/systemd/85-hubd-stick.rules" "$root/etc/udev/rules.d/85-hubd-stick.rules"
install -m 0644 "$HUBD_ROOT/systemd/sysusers.d/hubd.conf" "$root/usr/lib/sysusers.d/hubd.conf"
install -m 0644 "$HUBD_ROOT/systemd/tmpfiles.d/hubd.conf" "$root/usr/lib/tmpfiles.d/hubd.conf"
install -D -m 0644 "$HUBD_ROOT/docs/appliance.md" "$root/usr/share/doc/learning-hub/appliance.md"
install -D -m 0644 "$HUB_CONFIG" "$root/etc/hubd/hubd.toml"

# The hub's user, fixed in the image (a static system user, not a dynamic one).
in_root systemd-sysusers
in_root systemd-tmpfiles --create /usr/lib/tmpfiles.d/hubd.conf

# hubd from the project's wheel, into its own virtualenv, from the wheels fetched for this
# architecture (no index: exactly the files the build downloaded).
mkdir -p "$root/tmp/hubd-wheels"
cp "$HUBD_WORK"/wheels/*.whl "$root/tmp/hubd-wheels/"
in_root python3 -m venv /opt/hubd
in_root /opt/hubd/bin/pip install --quiet --no-index --no-cache-dir \
  --find-links /tmp/hubd-wheels learning-hub
rm -rf "$root/tmp/hubd-wheels"
in_root /opt/hubd/bin/hubd --version

# The access point.
{
  echo "interface=wlan0"
  echo "driver=nl80211"
  echo "ssid2=P\"$(printf '%s' "$WIFI_SSID" | sed 's/\\/\\\\/g; s/"/\\"/g')\""
  echo "utf8_ssid=1"
  echo "country_code=$WIFI_COUNTRY"
  echo "ieee80211d=1"
  echo "hw_mode=g"
  echo "channel=6"
  echo "ieee80211n=1"
  echo "wmm_enabled=1"
  echo "auth_algs=1"
  echo "ignore_broadcast_ssid=0"
  # Beyond this the board's radio serves everyone worse (docs/appliance.md).
  echo "max_num_sta=40"
  if [ -n "$WIFI_PASSPHRASE" ]; then
    echo "wpa=2"
    echo "wpa_key_mgmt=WPA-PSK"
    echo "rsn_pairwise=CCMP"
    echo "wpa_passphrase=$WIFI_PASSPHRASE"
  fi
} > "$root/etc/hostapd/hostapd.conf"
chmod 0600 "$root/etc/hostapd/hostapd.conf"

# Mounts. The system partition is read-only: nothing at run time writes to it, so a power cut
# cannot damage it (first boot opens it for writing once, for the card's own keys). The hub's
# data is on its own partition; what the system writes as it runs (/tmp, /var/tmp, /var/log)
# is in RAM.
{
  echo "LABEL=hub-root   /              ext4  ro,noatime                                  0 1"
  echo "LABEL=hub-state  /var/lib/hubd  ext4  defaults,noatime,nodev,nosuid,noexec        0 2"
  if [ "$HUBD_ARCH" = arm64 ]; then
    echo "LABEL=HUB-BOOT   /boot/firmware vfat  defaults,noatime,noauto,x-systemd.automount 0 2"
  fi
  echo "tmpfs            /tmp           tmpfs defaults,nosuid,nodev,size=64M               0 0"
  echo "tmpfs            /var/tmp       tmpfs defaults,nosuid,nodev,size=16M               0 0"
  echo "tmpfs            /var/log       tmpfs defaults,nosuid,nodev,noexec,size=16M,mode=0755 0 0"
} > "$root/etc/fstab"

echo hub > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\thub hub.lan\n' > "$root/etc/hosts"

# Units: the hub, its first boot, the network, the access point, DHCP/DNS, SSH.
in_root systemctl unmask hostapd.service
in_root systemctl enable hubd.service hubd-firstboot.service hubd-stick.socket \
  systemd-networkd.service hostapd.service dnsmasq.service ssh.service
# Booting must not wait for a network that a classroom does not have.
in_root systemctl mask systemd-networkd-wait-online.service
# Jobs that would write to the read-only system partition and have nothing to do on a hub:
# package list updates (no internet; updates come on a new card) and dpkg's database backup.
in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer

# SSH for engineers: keys only, and only the ones given at build time.
sed -i 's/^#\?PasswordAuthentication.*/PasswordAuthentication no/' "$root/etc/ssh/sshd_config"
if [ -n "$SSH_KEYS" ]; then
  install -d -m 0700 "$root/root/.ssh"
  install -m 0600 "$SSH_KEYS" "$root/root/.ssh/authorized_keys"
fi

# Nothing that must differ between cards: first boot makes these.
rm -f "$root"/etc/ssh/ssh_host_*
rm -f "$root/var/lib/dbus/machine-id"
rm -rf "$root/var/lib/hubd/"* "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin \
  "$root/var/cache/apt/archives/"*.deb "$root/var/log/"*.log

# Caches that systemd rebuilds when /usr is newer than /etc and /var (hwdb, ldconfig, the
# journal catalogue) are built now: on the read-only card they could not be.
in_root systemd-hwdb update
in_root ldconfig
in_root journalctl --update-catalog
touch "$root/etc/.updated" "$root/var/.updated"
# State folders systemd would otherwise try to make at start (logind's would fail the unit).
install -d -m 0755 "$root/var/lib/systemd/linger" "$root/var/lib/systemd/backlight"
# The radio's on/off state is not restored from the card: nothing can switch the access
# point off for good, and there is no state file to write.
in_root systemctl mask systemd-rfkill.service systemd-rfkill.socket

# The initramfs, made once now that every package is in (essential.sh held it back). Its
# post-update hooks run too: on arm64, raspi-firmware copies it to the boot partition.
rm -f "$root/usr/sbin/update-initramfs"
in_root dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
in_root update-initramfs -c -k all

# Direct kernel boot under qemu takes the kernel and initramfs from outside: amd64 on a PC
# board (assemble.sh also puts them on its boot partition), arm64 on qemu's virt board.
kernel=$(readlink -f "$root/vmlinuz" 2>/dev/null || true)
[ -f "$kernel" ] || kernel=$(ls -1 "$root"/boot/vmlinuz-* | sort -V | tail -n 1)
initrd=$(readlink -f "$root/initrd.img" 2>/dev/null || true)
[ -f "$initrd" ] || initrd=$(ls -1 "$root"/boot/initrd.img-* | sort -V | tail -n 1)
if [ "$HUBD_ARCH" = amd64 ]; then
  cp "$kernel" "$HUBD_WORK/vmlinuz"
  cp "$initrd" "$HUBD_WORK/initrd"
else
  cp "$kernel" "$HUBD_WORK/qemu-vmlinuz"
  cp "$initrd" "$HUBD_WORK/qemu-initrd"
  # The Raspberry Pi firmware boots the kernel with this command line.
  echo "console=serial0,115200 console=tty1 root=LABEL=hub-root ro rootfstype=ext4 fsck.repair=yes rootwait" \
    > "$root/boot/firmware/cmdline.txt"
fi
