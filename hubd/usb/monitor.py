"""Block-device events on the asyncio loop, and the debounced rescan that turns them into sticks.

The pyudev monitor's socket sits on the event loop (``loop.add_reader``): no thread, no polling.
A uevent only says "something changed"; after a quiet moment the watcher rescans sysfs, builds
immutable :class:`BlockDevice` records and diffs them with the previous scan. The monitor is
started before the first scan, so a stick plugged in during start-up is not missed, and any
error makes the watcher scan again from scratch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Protocol, cast

import pyudev

from hubd.usb.devices import (
    BlockDevice,
    Change,
    StickRules,
    classify,
    diff,
    parse_mountinfo,
    system_disks,
)

_LOGGER = logging.getLogger(__name__)
UDEV_CONTROL = Path("/run/udev/control")
MOUNTINFO = Path("/proc/self/mountinfo")

Prober = Callable[[BlockDevice], Awaitable[tuple[str, str]]]
ChangeHandler = Callable[[Change], Awaitable[None]]


class EventMonitor(Protocol):
    """What the signal needs of a pyudev monitor (tests hand in an error-injecting one)."""

    def fileno(self) -> int: ...

    def poll(self, timeout: float | None = None) -> object | None: ...


def open_monitor(source: str) -> EventMonitor:
    """A started pyudev monitor of block-device events from ``source`` ("udev" or "kernel")."""
    monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source=source)
    monitor.filter_by("block")
    monitor.start()
    return cast(EventMonitor, monitor)


class UeventSignal:
    """A pyudev monitor whose socket is on the loop; :attr:`changed` is set on any block uevent.

    With udevd running it listens to udev's events (which carry ``ID_FS_TYPE`` and come after
    the device node is ready); without it, to the kernel's own. When reading events fails (the
    kernel drops events when the socket's buffer overflows: ``ENOBUFS``) the signal takes its
    socket off the loop, sets :attr:`broken` and :attr:`changed`: the watcher opens a new
    monitor and scans everything again.
    """

    def __init__(
        self,
        source: str | None = None,
        opener: Callable[[str], EventMonitor] = open_monitor,
    ) -> None:
        self.source = source or ("udev" if UDEV_CONTROL.exists() else "kernel")
        self.changed = asyncio.Event()
        self.events = 0
        self.errors = 0
        self.broken = False
        self._opener = opener
        self._monitor: EventMonitor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        monitor = self._opener(self.source)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(monitor.fileno(), self._readable)
        self._monitor = monitor
        self.broken = False

    def restart(self) -> None:
        """A fresh monitor in place of a failed one."""
        self.close()
        self.start()

    def _readable(self) -> None:
        monitor = self._monitor
        if monitor is None:
            return
        # Drain everything queued: one wake-up, one rescan.
        try:
            while monitor.poll(timeout=0) is not None:
                self.events += 1
        except OSError as exc:
            self.errors += 1
            _LOGGER.warning(
                "USB event monitor failed (%s); it is restarted and sticks rescanned", exc
            )
            self.close()
            self.broken = True
        self.changed.set()

    def close(self) -> None:
        if self._monitor is not None and self._loop is not None:
            self._loop.remove_reader(self._monitor.fileno())
        self._monitor = None  # libudev closes the socket when the last reference goes


def scan_block_devices() -> list[BlockDevice]:
    """Every block device sysfs shows now (blocking, quick: run it in a thread)."""
    context = pyudev.Context()
    found = []
    for device in context.list_devices(subsystem="block"):
        with contextlib.suppress(Exception):  # a device vanishing mid-scan is simply skipped
            found.append(_record(device))
    return found


def _record(device: pyudev.Device) -> BlockDevice:
    props = device.properties
    devtype = device.device_type or ""
    parent = None if devtype == "disk" else device.find_parent("block", "disk")
    disk_device = device if parent is None else parent
    attrs = device.attributes
    has_partitions = devtype == "disk" and any(
        child.device_type == "partition" for child in device.children
    )
    removable = disk_device.attributes.get("removable") == b"1"
    fs_type = props.get("ID_FS_TYPE")
    return BlockDevice(
        name=device.sys_name,
        devtype=devtype,
        number=f"{props.get('MAJOR', '')}:{props.get('MINOR', '')}",
        disk=disk_device.sys_name,
        size_bytes=int(attrs.asint("size")) * 512 if "size" in attrs.available_attributes else 0,
        on_usb=device.find_parent("usb") is not None or props.get("ID_BUS") == "usb",
        removable=removable,
        read_only=attrs.get("ro") == b"1",
        has_partitions=has_partitions,
        fs_type=fs_type if fs_type is not None else None,
        label=props.get("ID_FS_LABEL", ""),
        diskseq=props.get("DISKSEQ", ""),
    )


def current_rules(
    devices: list[BlockDevice], allow: tuple[str, ...], stick_root: str, mountinfo: str
) -> StickRules:
    """The rules for this scan: which disks are the hub's own, from what is mounted now."""
    disk_of: dict[str, str] = {}
    for device in devices:
        disk_of[device.number] = device.disk
        disk_of[device.name] = device.disk
    mounts = parse_mountinfo(mountinfo)
    return StickRules(allow=allow, system_disks=system_disks(mounts, disk_of, stick_root))


class StickWatcher:
    """Keeps the set of present sticks and reports each change to ``on_change``."""

    def __init__(
        self,
        signal: UeventSignal,
        on_change: ChangeHandler,
        prober: Prober,
        *,
        allow: tuple[str, ...],
        stick_root: str,
        debounce: float,
        scan: Callable[[], list[BlockDevice]] = scan_block_devices,
    ) -> None:
        self._signal = signal
        self._on_change = on_change
        self._prober = prober
        self._allow = allow
        self._stick_root = stick_root
        self._debounce = debounce
        self._scan = scan
        self._probed: dict[BlockDevice, tuple[str, str]] = {}
        self.present: frozenset[BlockDevice] = frozenset()
        self.scans = 0
        self.started = False

    async def run(self) -> None:
        """Watch until cancelled: the monitor first, then a scan, then one scan per quiet spell."""
        try:
            while True:
                try:
                    if self._signal.broken or not self.started:
                        self._signal.restart()  # the monitor before the scan: nothing missed
                        self.started = True
                    await self.rescan()
                except Exception:
                    _LOGGER.exception("Scanning for USB sticks failed; scanning again")
                    await self._quiet(max(self._debounce, 1.0))
                    continue
                await self._signal.changed.wait()
                await self._quiet(self._debounce)
        finally:
            self._signal.close()

    async def _quiet(self, seconds: float) -> None:
        """Wait until no uevent came for ``seconds`` (at most ten spells)."""
        for _ in range(10):
            self._signal.changed.clear()
            try:
                await asyncio.wait_for(self._signal.changed.wait(), seconds)
            except TimeoutError:
                return

    async def rescan(self) -> Change:
        """Scan now, compare with the last scan and report what changed."""
        devices = await asyncio.to_thread(self._scan)
        mountinfo = await asyncio.to_thread(MOUNTINFO.read_text)
        rules = current_rules(devices, self._allow, self._stick_root, mountinfo)
        self.scans += 1
        found = set()
        for device in devices:
            verdict = classify(device, rules)
            if verdict.needs_probe:
                probed = await self._probe(device)
                if probed is None:
                    continue
                fs_type, label = probed
                device = _with_fs(device, fs_type, label)
                verdict = classify(device, rules)
            if verdict.accepted or verdict.shown:  # an unreadable stick is reported, not synced
                found.add(device)
        now = frozenset(found)
        change = diff(self.present, now)
        self.present = now
        self._probed = {d: v for d, v in self._probed.items() if d in devices}
        if change.added or change.removed:
            await self._on_change(change)
        return change

    async def _probe(self, device: BlockDevice) -> tuple[str, str] | None:
        if device not in self._probed:
            try:
                self._probed[device] = await self._prober(device)
            except Exception as exc:
                _LOGGER.warning("Could not look at the filesystem on %s: %s", device.node, exc)
                return None
        return self._probed[device]


def _with_fs(device: BlockDevice, fs_type: str, label: str) -> BlockDevice:
    return replace(device, fs_type=fs_type, label=label or device.label)
