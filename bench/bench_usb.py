"""USB stick throughput on a real FAT stick: ``.venv/bin/python bench/bench_usb.py [--mb 100]``.

A FAT32 image on a loop device, mounted by the hub's own helper exactly as for a plugged stick
(fusefat where the kernel has no vfat driver). Prints, from the same mount in the same run:

- reading a content bundle the way a session does (copy to the hub's disk while hashing, then
  verify the signature and every part's hash) against plain ``cp`` and ``sha256sum`` of the
  same part file;
- writing a bundle into the outbox the way a session does (each file fsynced, the signature
  last, the folder fsynced, then everything read back past the page cache and compared)
  against ``cp`` and ``sync`` of the same files;
- the progress lines the session logs (percent, MB/s, time left) and the progress the admin
  page gets.

Before each measurement the page cache of the stick's files, the loop device and the image is
dropped, so every figure reads from the "stick". Figures only: nothing passes or fails.
Needs root (loop devices, mounting) and fusefat, mtools, dosfstools.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hubd.bundle import ReadPolicy, generate_hub_identity, pack_content, pinned_trust, read_bundle
from hubd.bundle.keys import raw_public
from hubd.bundle.trust import delegate
from hubd.usb import session as stick_session
from hubd.usb.service import _progress_reporter
from hubd.usb.session import HubSide, Session
from hubd.usb.status import StickState
from hubd.usb.stickfiles import LocalStickFiles

MB = 1_000_000
INBOX = "learnhub/in/cont-1-benchmark"


def media_like(size: int) -> Iterator[bytes]:
    """Blocks that compress about as little as real video (fresh random bytes in each, so
    zstd finds no repeats)."""
    left = size
    while left > 0:
        block = os.urandom(900_000) + bytes(100_000)
        yield block[: min(left, len(block))]
        left -= len(block)


def run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def helper(op: str, device: str, sticks: Path) -> dict[str, Any]:
    """Ask the hub's mount helper, as hubd does (here as a child process)."""
    request = json.dumps({"op": op, "device": device}) + "\n"
    argv = [sys.executable, "-m", "hubd.usb.mount_helper", "--allow-loop"]
    out = subprocess.run(
        [*argv, "--mount-root", str(sticks)],
        input=request,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    answer: dict[str, Any] = json.loads(out)
    if not answer.get("ok"):
        raise SystemExit(f"the helper refused: {answer}")
    return answer


def uncache(paths: list[Path], loop_device: str, image: Path) -> None:
    """Drop what the page cache holds of these files, the loop device and the image."""
    for path in [*paths, image]:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    run("blockdev", "--flushbufs", loop_device)


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    run(*argv)
    return time.perf_counter() - start


def tree_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def make_session(root: Path, work: Path, state: StickState, name: str) -> Session:
    side = HubSide(
        hub_id="0" * 64,
        hub_name="bench",
        fleet="bench",
        policy=None,
        work_dir=work,
        appliers={},
        producers=[],
        handled=None,  # type: ignore[arg-type]  # not used for reading one bundle
        monotonic=time.monotonic,
        wall_ms=lambda: int(time.time() * 1000),
    )
    return Session(
        files=LocalStickFiles(root, fold_case=True),
        hub=side,
        read_only=False,
        report=lambda phase, _message: setattr(state, "phase", phase),
        progress=_progress_reporter(state, time.monotonic, name),
    )


async def measure(args: argparse.Namespace, work: Path) -> None:
    root_key, content_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    trust = delegate(
        pinned_trust("bench", raw_public(root_key.public_key()).hex()),
        "content",
        [raw_public(content_key.public_key()).hex()],
        1,
    )
    size = args.mb * MB
    course = work / "course"
    course.mkdir()
    (course / "course.json").write_text("{}")
    with (course / "video.webm").open("wb") as out:
        for block in media_like(size):
            out.write(block)
    bundle = work / "bundle"
    pack_content(course, bundle, fleet="bench", sequence=1, signing_keys=[content_key])
    bundle_bytes = sum(p.stat().st_size for p in tree_files(bundle))

    image = work / "stick.img"
    with image.open("wb") as f:
        f.truncate((args.mb * 3 + 64) << 20)
    run("mkfs.vfat", "-F", "32", "-n", "BENCH", str(image))
    run("mmd", "-i", str(image), "::learnhub", "::learnhub/in", f"::{INBOX}")
    run("mcopy", "-i", str(image), *map(str, tree_files(bundle)), f"::{INBOX}/")
    loop_device = run("losetup", "-f", "--show", str(image))
    name = Path(loop_device).name
    sticks = work / "sticks"
    mounted = helper("mount", name, sticks)
    root = Path(mounted["mount_point"])
    fs_type = run("findmnt", "-no", "FSTYPE", str(root))
    size_mb = image.stat().st_size / MB
    print(f"stick: {size_mb:.0f} MB FAT32 image on {loop_device}, mounted by the hub's helper "
          f"({fs_type})")  # fmt: skip
    try:
        on_stick = tree_files(root / INBOX)
        part = max(on_stick, key=lambda p: p.stat().st_size)
        part_mb = part.stat().st_size / MB

        uncache(on_stick, loop_device, image)
        cp_s = timed(["cp", str(part), str(work / "part.copy")])
        uncache(on_stick, loop_device, image)
        sha_s = timed(["sha256sum", str(part)])
        uncache(on_stick, loop_device, image)
        dd_s = timed(["dd", f"if={part}", "of=/dev/null", "bs=1M"])
        uncache(on_stick, loop_device, image)
        both_s = timed(["sh", "-c", f'cp "{part}" "{work}/part.2" && sha256sum "{work}/part.2"'])

        state = StickState(device=name, phase="reading")
        s = make_session(root, work / "hub", state, name)
        s.total = sum(p.stat().st_size for p in on_stick)
        policy = ReadPolicy(trust=trust, me=generate_hub_identity().key_id)
        uncache(on_stick, loop_device, image)
        print("session log while reading:")
        start = time.perf_counter()
        verified = await s.io(
            lambda: read_bundle(
                stick_session._StickSource(s, INBOX), work / "copy", policy, check_payload=False
            )
        )
        read_s = time.perf_counter() - start
        verified.discard()
        print(f"admin page progress after reading: {state.to_json()['progress']}")
        print(f"read  {bundle_bytes / MB:6.1f} MB bundle: hub copy+hash+verify "
              f"{bundle_bytes / read_s / MB:6.1f} MB/s   |  same mount, {part_mb:.1f} MB part: "
              f"cp {part_mb / cp_s:6.1f} MB/s   sha256sum {part_mb / sha_s:6.1f} MB/s   "
              f"cp then sha256sum {part_mb / both_s:6.1f} MB/s   "
              f"raw read (dd bs=1M) {part_mb / dd_s:6.1f} MB/s")  # fmt: skip

        box = "learnhub/out/h-bench"
        for rel in ("learnhub/out", box):
            (root / rel).mkdir(exist_ok=True)
        staged = work / "staged" / "prog-1-benchmar"
        shutil.copytree(bundle, staged)
        state = StickState(device=name, phase="writing")
        s = make_session(root, work / "hub", state, name)
        checking: list[float] = []
        s.report = lambda phase, _m: (
            checking.append(time.perf_counter()) if phase == "checking" else None
        )
        print("session log while writing:")
        start = time.perf_counter()
        await stick_session._copy_bundle(s, staged, box, [])
        write_all_s = time.perf_counter() - start
        write_s = checking[0] - start
        verify_s = write_all_s - write_s
        print(f"admin page progress after writing: {state.to_json()['progress']}")

        uncache(tree_files(root / box), loop_device, image)
        cp_dest = root / "learnhub" / "cp-test"
        cp_s = timed(["sh", "-c", f'cp -r "{staged}" "{cp_dest}" && sync -f "{cp_dest}"'])
        mb = bundle_bytes / MB
        print(f"write {mb:6.1f} MB bundle: hub write+fsync {mb / write_s:6.1f} MB/s, "
              f"read-back check {mb / verify_s:6.1f} MB/s, whole {mb / write_all_s:6.1f} MB/s   "
              f"|  same mount: cp -r then sync {mb / cp_s:6.1f} MB/s")  # fmt: skip
    finally:
        answer = helper("unmount", name, sticks)
        run("losetup", "-d", loop_device)
        print(f"unmounted: {answer}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=100, help="content size in MB (default 100)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root: loop devices and mounting")
    logging.basicConfig(level=logging.INFO, format="  log: %(message)s", stream=sys.stdout)
    logging.getLogger("hubd.usb.session").setLevel(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="bench-usb-"))
    try:
        asyncio.run(measure(args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
