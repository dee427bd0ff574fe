"""The privileged stick helper: probes, mounts and unmounts removable block devices, nothing else.

It runs as root, one request per run: systemd starts ``hubd-stick@.service`` for each connection
to ``/run/hubd/stick.sock`` (``Accept=yes``) with the connection as stdin and stdout; tests run
it as a child process. A request is one JSON line, ``{"op": "probe"|"mount"|"unmount",
"device": "sdb1"}``; the answer is one JSON line. Everything that widens what it may touch comes
from its own command line (the unit file), never from the request.

It refuses a device unless: the name is a plain kernel name; sysfs and /dev agree on it; it sits
on the USB bus, or is marked removable, or is a loop device and ``--allow-loop`` was given
(tests); its disk holds no mount outside the stick mount root (so never the hub's boot or data
disk); and it holds vfat, exfat or ext4. It mounts only at ``<mount-root>/<name>``, always with
nosuid, nodev and noexec (and flush for vfat). Where the kernel lacks a vfat or exfat driver it
uses ``fusefat`` or ``exfat-fuse`` (FUSE, ``allow_other`` so hubd can use the mount).

Standard library only, so it can be read in one sitting.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import re
import select
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

NAME = re.compile(r"[a-z][a-z0-9]{0,31}")
SUPPORTED = ("vfat", "exfat", "ext4")
STICK_FOLDER = "learnhub"
SYS_BLOCK = Path("/sys/class/block")
MAX_REQUEST = 512
TIMEOUT = 60
FLUSH_TIMEOUT = 30
FUSE_PROGRAMS = frozenset({"fusefat", "mount.exfat-fuse", "mount.exfat", "exfat-fuse"})


class Refused(Exception):
    """A request the helper will not carry out; the message is for a person."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail  # for the engineer's log: what the mount program said


def _run(argv: list[str], timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed programs, argv lists, no shell
        argv, capture_output=True, text=True, timeout=timeout, check=False
    )


def _sysfs(name: str) -> Path:
    if not NAME.fullmatch(name):
        raise Refused("bad_name", "That is not a device name.")
    path = SYS_BLOCK / name
    if not path.exists():
        raise Refused("no_device", f"There is no device {name} (was the stick removed?).")
    return path.resolve()


def _disk_path(sys_path: Path) -> Path:
    return sys_path.parent if (sys_path / "partition").exists() else sys_path


def _number(sys_path: Path) -> str:
    return (sys_path / "dev").read_text().strip()


def check_device(name: str, allow_loop: bool, mount_root: Path) -> Path:
    """Return /dev/<name> if it is a removable device the helper may touch; refuse otherwise."""
    sys_path = _sysfs(name)
    disk = _disk_path(sys_path)
    node = Path("/dev") / name
    try:
        st = node.stat()
    except OSError:
        raise Refused("no_device", f"There is no device node for {name}.") from None
    major, minor = (int(x) for x in _number(sys_path).split(":"))
    if not stat.S_ISBLK(st.st_mode) or (os.major(st.st_rdev), os.minor(st.st_rdev)) != (
        major,
        minor,
    ):
        raise Refused("mismatch", f"/dev/{name} is not the block device sysfs describes.")
    on_usb = "/usb" in str(sys_path)
    removable = (disk / "removable").exists() and (disk / "removable").read_text().strip() == "1"
    is_loop = disk.name.startswith("loop") and "/virtual/" in str(sys_path)
    if not (on_usb or removable or (allow_loop and is_loop)):
        raise Refused("not_removable", f"{name} is not a removable device; it is not touched.")
    disk_numbers = {_number(disk)} | {
        _number(child) for child in disk.iterdir() if (child / "partition").exists()
    }
    disk_names = {disk.name} | {
        child.name for child in disk.iterdir() if (child / "partition").exists()
    }
    root = str(mount_root).rstrip("/") + "/"
    for number, mount_point, source in _mounts():
        if mount_point.startswith(root):
            continue
        if number in disk_numbers or source.removeprefix("/dev/") in disk_names:
            raise Refused(
                "in_use", f"{name} is on a disk the system uses ({mount_point}); not touched."
            )
    if int((sys_path / "size").read_text()) == 0:
        raise Refused("no_medium", f"{name} holds no medium.")
    return node


def _mounts() -> list[tuple[str, str, str]]:
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) >= 5 and len(tail) >= 2:
            point = fields[4].replace("\\040", " ")
            out.append((fields[2], point, tail[1]))
    return out


def probe(node: Path) -> dict[str, str]:
    """The filesystem type and label, read from the device itself (no udev needed)."""
    result = _run(["blkid", "-p", "-o", "export", str(node)])
    values: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, _, value = line.partition("=")
        values[key] = value
    fs_type = values.get("TYPE", "")
    if values.get("USAGE", "filesystem") != "filesystem":
        fs_type = ""
    return {"fs_type": fs_type, "label": values.get("LABEL", "")[:64]}


def _kernel_has(fs_type: str) -> bool:
    for line in Path("/proc/filesystems").read_text().splitlines():
        if line.split()[-1:] == [fs_type]:
            return True
    return False


def _owner(name: str | None) -> tuple[int, int] | None:
    if not name:
        return None
    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def mount_argv(
    fs_type: str, node: Path, target: Path, owner: tuple[int, int] | None, read_only: bool
) -> list[str]:
    """The one command that mounts this filesystem safely (kernel driver, else FUSE)."""
    safe = ["nosuid", "nodev", "noexec", "noatime"]
    ro = ["ro"] if read_only else ["rw"]
    ids = [f"uid={owner[0]}", f"gid={owner[1]}"] if owner else []
    if fs_type == "vfat":
        if _kernel_has("vfat"):
            opts = [*ro, *safe, "flush", *ids, "fmask=0177", "dmask=0077", "shortname=mixed"]
            return ["mount", "-t", "vfat", "-o", ",".join(opts), str(node), str(target)]
        # fusefat mounts only with an explicit ro or rw+; FUSE mounts are private to root
        # without allow_other.
        opts = [*safe, "allow_other", "ro" if read_only else "rw+"]
        return ["fusefat", "-o", ",".join(opts), str(node), str(target)]
    if fs_type == "exfat":
        if _kernel_has("exfat"):
            opts = [*ro, *safe, *ids, "fmask=0177", "dmask=0077"]
            return ["mount", "-t", "exfat", "-o", ",".join(opts), str(node), str(target)]
        opts = [*ro, *safe, "allow_other", *ids]
        return ["mount.exfat-fuse", "-o", ",".join(opts), str(node), str(target)]
    opts = [*ro, *safe]
    return ["mount", "-t", "ext4", "-o", ",".join(opts), str(node), str(target)]


def do_mount(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Mount the stick at <mount-root>/<name>; answer where and whether read-only."""
    root: Path = args.mount_root
    node = check_device(name, args.allow_loop, root)
    found = probe(node)
    if found["fs_type"] not in SUPPORTED:
        shown = found["fs_type"] or "no filesystem the hub knows"
        raise Refused("filesystem", f"The stick holds {shown}; the hub reads FAT32, exFAT, ext4.")
    root.mkdir(mode=0o755, parents=True, exist_ok=True)
    target = root / name
    if _mounted_at(target):
        try:
            target.stat()
        except OSError:  # the mount of a stick pulled earlier, its FUSE program gone
            _run(["umount", "-l", str(target)])
        else:
            raise Refused("mounted", f"{name} is already mounted.")
    target.mkdir(mode=0o755, exist_ok=True)
    owner = _owner(args.owner)
    read_only = (_sysfs(name) / "ro").read_text().strip() == "1"
    result = _run(mount_argv(found["fs_type"], node, target, owner, read_only))
    if result.returncode != 0 and not read_only:
        # A write-protected stick: the hub can still read what it brings.
        read_only = True
        result = _run(mount_argv(found["fs_type"], node, target, owner, read_only))
    if result.returncode != 0 or not os.path.ismount(target):
        with contextlib.suppress(OSError):
            target.rmdir()
        said = (result.stderr or result.stdout).strip().replace("\n", " | ")
        raise Refused(
            "mount_failed",
            "The stick could not be opened; it may be damaged. Try it in a computer, or use "
            "another stick.",
            said[-500:],
        )
    if found["fs_type"] == "ext4" and owner and not read_only:
        _own_stick_folder(target, owner)
    return {"mount_point": str(target), "read_only": read_only, **found}


def _own_stick_folder(target: Path, owner: tuple[int, int]) -> None:
    """ext4 keeps owners: give hubd its one folder (never following links)."""
    folder = target / STICK_FOLDER
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o755)
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        for entry in [base, *(base / n for n in dirnames + filenames)]:
            os.lchown(entry, *owner)


def do_unmount(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Unmount <mount-root>/<name>; lazily if the stick is already gone or the mount is busy."""
    if not NAME.fullmatch(name):
        raise Refused("bad_name", "That is not a device name.")
    target = args.mount_root / name
    if not _mounted_at(target):
        with contextlib.suppress(OSError):
            target.rmdir()
        return {"unmounted": False}
    daemon = _fuse_daemon(target)
    result = _run(["umount", str(target)])
    lazy = result.returncode != 0
    if lazy:
        result = _run(["umount", "-l", str(target)])
        if result.returncode != 0:
            raise Refused("unmount_failed", f"{name} could not be unmounted.")
    # A FUSE program writes its last changes (the FAT, the free count) after umount returns:
    # "safe to remove" must wait until it has finished and exited.
    flushed = daemon is None or _wait_gone(daemon, FLUSH_TIMEOUT)
    with contextlib.suppress(OSError):
        target.rmdir()
    return {"unmounted": True, "lazy": lazy, "flushed": flushed}


def _mounted_at(target: Path) -> bool:
    """Whether something is mounted at ``target`` (also a FUSE mount whose program died,
    which os.path.ismount cannot tell: stat fails on it)."""
    return any(point == str(target) for _, point, _ in _mounts())


def _fuse_daemon(target: Path) -> int | None:
    """The FUSE program this helper started for ``target`` (its command line names it)."""
    want = str(target).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if want in argv and Path(os.fsdecode(argv[0])).name in FUSE_PROGRAMS:
            return int(entry.name)
    return None


def _wait_gone(pid: int, timeout: float) -> bool:
    """Wait until process ``pid`` has exited; False if it is still running after ``timeout``."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)


def handle(request: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    op, name = request.get("op"), request.get("device")
    if not isinstance(name, str):
        raise Refused("bad_request", "The request names no device.")
    if op == "probe":
        return probe(check_device(name, args.allow_loop, args.mount_root))
    if op == "mount":
        return do_mount(name, args)
    if op == "unmount":
        return do_unmount(name, args)
    raise Refused("bad_request", "Unknown request.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mount-root", type=Path, default=Path("/run/hubd/sticks"))
    parser.add_argument("--owner", default=None, help="user that owns the mounted files")
    parser.add_argument("--allow-loop", action="store_true", help="admit loop devices (tests)")
    args = parser.parse_args(argv)
    line = sys.stdin.buffer.readline(MAX_REQUEST)
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            raise Refused("bad_request", "The request is not understood.")
        answer = {"ok": True, **handle(request, args)}
    except Refused as exc:
        answer = {"ok": False, "code": exc.code, "error": exc.message, "detail": exc.detail}
    except (ValueError, OSError, subprocess.TimeoutExpired) as exc:
        answer = {"ok": False, "code": "failed", "error": f"The helper failed: {exc}"[:300]}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
