"""Which block devices count as sync sticks (pure rules, no devices needed)."""

from __future__ import annotations

from dataclasses import replace

from hubd.usb.devices import (
    BlockDevice,
    StickRules,
    classify,
    diff,
    parse_mountinfo,
    sticks,
    system_disks,
)

STICK = BlockDevice(
    name="sdb1",
    devtype="partition",
    number="8:17",
    disk="sdb",
    size_bytes=8 << 30,
    on_usb=True,
    removable=True,
    read_only=False,
    has_partitions=False,
    fs_type="vfat",
)
RULES = StickRules(system_disks=frozenset({"mmcblk0"}))


def test_fat_exfat_and_ext4_partitions_on_usb_are_sticks() -> None:
    for fs in ("vfat", "exfat", "ext4"):
        assert classify(replace(STICK, fs_type=fs), RULES).accepted


def test_a_stick_without_partition_table_is_a_stick() -> None:
    whole = replace(STICK, name="sdb", devtype="disk", number="8:16")
    assert classify(whole, RULES).accepted


def test_a_partitioned_disk_is_looked_at_through_its_partitions() -> None:
    disk = replace(STICK, name="sdb", devtype="disk", has_partitions=True, fs_type="")
    assert not classify(disk, RULES).accepted


def test_ntfs_or_empty_sticks_are_not_synced_but_shown_with_a_reason() -> None:
    verdict = classify(replace(STICK, fs_type="ntfs"), RULES)
    assert not verdict.accepted and verdict.shown
    assert "formatted as ntfs" in verdict.reason and "FAT32" in verdict.reason
    blank = classify(replace(STICK, fs_type=""), RULES)
    assert not blank.accepted and blank.shown and "damaged or not formatted" in blank.reason
    assert sticks([replace(STICK, fs_type="")], RULES), "reported to the service"
    # Not on the USB bus, or the hub's own disk: never shown.
    assert not classify(replace(STICK, fs_type="", on_usb=False), RULES).shown


def test_unknown_filesystem_asks_for_a_probe() -> None:
    verdict = classify(replace(STICK, fs_type=None), RULES)
    assert verdict.accepted and verdict.needs_probe


def test_devices_off_the_usb_bus_need_an_allow_rule() -> None:
    loop = replace(STICK, name="loop3", devtype="disk", disk="loop3", on_usb=False)
    assert classify(loop, RULES).reason == "not on the USB bus"
    assert classify(loop, replace(RULES, allow=("loop*",))).accepted


def test_empty_card_readers_and_idle_loop_devices_are_not_sticks() -> None:
    assert classify(replace(STICK, size_bytes=0), RULES).reason == "no medium"


def test_the_hubs_own_disk_is_never_a_stick_even_if_on_usb() -> None:
    # A hub booting from a USB SSD: its disk holds / and the data directory.
    mountinfo = (
        "22 1 8:2 / / rw,relatime - ext4 /dev/sda2 rw\n"
        "23 22 8:1 / /boot/firmware rw - vfat /dev/sda1 rw\n"
        "40 22 0:39 / /run/hubd/sticks/sdb1 rw,nosuid - fuse.fusefat fusefat rw\n"
        "41 22 8:17 / /run/hubd/sticks/sdb1 rw,nosuid - vfat /dev/sdb1 rw\n"
    )
    disk_of = {"8:1": "sda", "8:2": "sda", "8:17": "sdb", "sdb1": "sdb"}
    own = system_disks(parse_mountinfo(mountinfo), disk_of, "/run/hubd/sticks")
    assert own == {"sda"}
    ssd = replace(STICK, name="sda2", disk="sda", number="8:2", fs_type="ext4")
    rules = StickRules(system_disks=own)
    assert classify(ssd, rules).reason == "the hub's own disk"
    assert classify(STICK, rules).accepted


def test_mount_points_with_spaces_are_decoded() -> None:
    [mount] = parse_mountinfo("30 1 8:33 / /media/my\\040stick rw - vfat /dev/sdc1 rw\n")
    assert mount.mount_point == "/media/my stick"


def test_a_rescan_that_sees_the_same_devices_reports_no_change() -> None:
    before = sticks([STICK], RULES)
    assert diff(before, sticks([STICK], RULES)).added == frozenset()
    reinserted = replace(STICK, diskseq="12")
    change = diff(before, sticks([reinserted], RULES))
    assert change.added == {reinserted} and change.removed == {STICK}
