"""Which block devices are sync sticks: plain functions over immutable device records.

A record is rebuilt from sysfs at every rescan; two scans are compared as sets, so a missed or
doubled uevent does no harm (the Home Assistant USB discovery pattern). Without udevd the
kernel's uevents carry no ``ID_BUS`` or ``ID_FS_TYPE``: the bus comes from the sysfs path and
the filesystem type, when udev did not say, from the helper's probe.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SUPPORTED_FILESYSTEMS = frozenset({"vfat", "exfat", "ext4"})


@dataclass(frozen=True, slots=True)
class BlockDevice:
    """One block device as sysfs (and udev, when it runs) describe it at one instant."""

    name: str  # kernel name: sdb1, loop3
    devtype: str  # "disk" or "partition"
    number: str  # "MAJOR:MINOR"
    disk: str  # kernel name of the whole disk (itself for a disk)
    size_bytes: int
    on_usb: bool
    removable: bool
    read_only: bool
    has_partitions: bool
    fs_type: str | None = None  # None: not known yet (no udevd): the helper probes
    label: str = ""
    diskseq: str = ""  # changes when a loop device or card reader gets new media

    @property
    def node(self) -> str:
        return f"/dev/{self.name}"


@dataclass(frozen=True, slots=True)
class StickRules:
    """What admits a device: the configured allow-patterns and the hub's own disks."""

    allow: tuple[str, ...] = ()  # fnmatch patterns of kernel names admitted off the USB bus
    system_disks: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a device is a stick to sync, and why not in plain words."""

    accepted: bool
    reason: str
    needs_probe: bool = False
    shown: bool = False  # not synced, but reported: a stick the hub cannot read


def classify(device: BlockDevice, rules: StickRules) -> Verdict:
    """Decide whether ``device`` is a sync stick (``needs_probe``: its filesystem is unknown)."""
    if device.size_bytes <= 0:
        return Verdict(False, "no medium")
    if device.devtype not in ("disk", "partition"):
        return Verdict(False, f"not a disk ({device.devtype})")
    if device.devtype == "disk" and device.has_partitions:
        return Verdict(False, "has partitions; each partition is looked at instead")
    allowed = any(fnmatch.fnmatchcase(device.name, pattern) for pattern in rules.allow)
    if not (device.on_usb or allowed):
        return Verdict(False, "not on the USB bus")
    if device.disk in rules.system_disks:
        return Verdict(False, "the hub's own disk")
    if device.fs_type is None:
        return Verdict(True, "filesystem not probed yet", needs_probe=True)
    problem = unreadable(device)
    if problem is not None:
        return Verdict(False, problem, shown=True)
    return Verdict(True, f"{device.fs_type} stick")


def unreadable(device: BlockDevice) -> str | None:
    """What to tell the technician about a stick whose filesystem the hub cannot read."""
    if device.fs_type is None or device.fs_type in SUPPORTED_FILESYSTEMS:
        return None
    if not device.fs_type:
        return (
            "The hub cannot read this stick: it holds no filesystem the hub knows (it may be "
            "damaged or not formatted). Copy off what you need, format it as FAT32 or exFAT on "
            "a computer, and plug it in again."
        )
    return (
        f"This stick is formatted as {device.fs_type[:20]}; the hub reads only FAT32, exFAT "
        "and ext4. Format it as FAT32 or exFAT on a computer, and plug it in again."
    )


def sticks(devices: Iterable[BlockDevice], rules: StickRules) -> frozenset[BlockDevice]:
    """The devices :func:`classify` accepts or shows (unreadable sticks are reported)."""
    return frozenset(d for d in devices if _kept(classify(d, rules)))


def _kept(verdict: Verdict) -> bool:
    return verdict.accepted or verdict.shown


@dataclass(frozen=True, slots=True)
class Mount:
    """One line of /proc/self/mountinfo, the parts that matter here."""

    number: str
    mount_point: str
    fs_type: str
    source: str


def parse_mountinfo(text: str) -> list[Mount]:
    """Parse /proc/self/mountinfo (octal escapes in paths decoded)."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or len(tail) < 2:
            continue
        mounts.append(Mount(fields[2], _unescape(fields[4]), tail[0], _unescape(tail[1])))
    return mounts


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1").decode("utf-8")


def system_disks(
    mounts: Iterable[Mount], disk_of: Mapping[str, str], stick_root: str
) -> frozenset[str]:
    """Disks holding any mount outside the stick mount root: the hub's own boot and data disks
    (and anything else someone mounted), which are never treated as sticks.

    ``disk_of`` maps "MAJOR:MINOR" and kernel names to the whole disk's kernel name.
    """
    root = stick_root.rstrip("/") + "/"
    found = set()
    for mount in mounts:
        if mount.mount_point.startswith(root):
            continue
        disk = disk_of.get(mount.number)
        if disk is None and mount.source.startswith("/dev/"):
            disk = disk_of.get(mount.source.removeprefix("/dev/"))
        if disk is not None:
            found.add(disk)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Change:
    """What differs between two scans."""

    added: frozenset[BlockDevice]
    removed: frozenset[BlockDevice]


def diff(before: frozenset[BlockDevice], after: frozenset[BlockDevice]) -> Change:
    """Sticks that appeared and disappeared; a changed record counts as removed plus added."""
    return Change(added=after - before, removed=before - after)
