"""Boot a hub image under qemu, headless, and watch its serial console.

Direct kernel boot (the kernel and initramfs the build wrote beside the image), the hub's
port 80 forwarded to a port on 127.0.0.1, the guest cut off from every other network.
amd64 boots on a q35 PC; arm64 on qemu's `virt` board with a Cortex-A72 (the Raspberry Pi 4's
core): Debian's arm64 kernel, the same one the Pi boots, runs on both. Software emulation
(TCG) by default: nested KVM is not dependable on CI machines; set HUBD_QEMU_ACCEL=kvm where it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def grow_copy(image: Path, target: Path, extra_mib: int) -> Path:
    """A copy of the image as a bigger card: first boot grows the state partition into it."""
    subprocess.run(["cp", "--sparse=always", str(image), str(target)], check=True)
    with target.open("r+b") as f:
        f.truncate(target.stat().st_size + extra_mib * 1024 * 1024)
    return target


@dataclass
class QemuHub:
    disk: Path
    kernel: Path
    initrd: Path
    arch: str = "amd64"
    port: int = field(default_factory=free_port)
    console: list[str] = field(default_factory=list)
    process: asyncio.subprocess.Process | None = None
    booted_at: float = 0.0
    console_log: Path | None = None
    _reader: asyncio.Task[None] | None = None
    _new_line: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def power_on(self) -> None:
        accel = os.environ.get("HUBD_QEMU_ACCEL", "tcg")
        if self.arch == "arm64":
            qemu = shutil.which("qemu-system-aarch64")
            assert qemu, "qemu-system-arm is not installed (apt-get install qemu-system-arm)"
            cpu = "cortex-a72" if accel == "tcg" else "host"
            board = ["-machine", f"virt,accel={accel}", "-cpu", cpu]
            console = "ttyAMA0"
        else:
            qemu = shutil.which("qemu-system-x86_64")
            assert qemu, "qemu-system-x86 is not installed (scripts/test-all.sh installs it)"
            cpu = "max" if accel == "tcg" else "host"
            board = ["-machine", f"q35,accel={accel}", "-cpu", cpu]
            console = "ttyS0"
        self.console = []
        self.booted_at = time.monotonic()
        self.process = await asyncio.create_subprocess_exec(
            qemu,
            *board,
            "-m", "1024",
            "-smp", "2",
            "-display", "none",
            "-no-reboot",
            "-kernel", str(self.kernel),
            "-initrd", str(self.initrd),
            "-append", f"root=LABEL=hub-root ro console={console} panic=-1",
            "-drive", f"file={self.disk},format=raw,if=virtio",
            "-netdev", f"user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:{self.port}-:80",
            "-device", "virtio-net-pci,netdev=net0",
            "-monitor", "none",
            "-serial", "stdio",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self._reader = asyncio.create_task(self._read_console())

    async def _read_console(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            text = ANSI.sub("", line.decode(errors="replace")).rstrip()
            self.console.append(text)
            if self.console_log is not None:
                with self.console_log.open("a") as log:
                    log.write(text + "\n")
            self._new_line.set()
        self._new_line.set()

    async def wait_for_console(self, pattern: str, timeout: float) -> re.Match[str]:
        """The first console line matching `pattern`, once the guest prints it."""
        regex = re.compile(pattern)
        seen = 0
        try:
            async with asyncio.timeout(timeout):
                return await self._match_from(regex, seen)
        except TimeoutError:
            raise AssertionError(
                f"the guest did not print {pattern!r} within {timeout:.0f} s:\n" + self.tail()
            ) from None

    async def _match_from(self, regex: re.Pattern[str], seen: int) -> re.Match[str]:
        while True:
            for line in self.console[seen:]:
                if match := regex.search(line):
                    return match
            seen = len(self.console)
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError("the guest stopped:\n" + self.tail())
            self._new_line.clear()
            await self._new_line.wait()

    def printed(self, pattern: str) -> list[str]:
        return [line for line in self.console if re.search(pattern, line)]

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.console[-lines:])

    async def power_cut(self) -> None:
        """Pull the plug: no shutdown, no sync."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
