"""Bundle throughput and memory: ``.venv/bin/python bench/bench_bundle.py [--mb 300]``.

Prints pack and verify MB/s for a content bundle generated on the fly, events per second and
bytes per event for progress bundles, and peak RSS, with the machine's raw SHA-256 and zstd
speeds beside them as the ceiling. Figures only: nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import zstandard
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hubd.bundle import (
    BundleWriter,
    ReadPolicy,
    generate_hub_identity,
    pack_content,
    pinned_trust,
    read_bundle_folder,
    unpack_content,
)
from hubd.bundle.keys import raw_public
from hubd.bundle.trust import delegate

MB = 1_000_000


def media_like(size: int) -> Iterator[bytes]:
    """Blocks that compress about as little as real video: mostly random, some padding.

    Every block is new: a repeated block would sit inside zstd's window and compress to
    almost nothing, which no video does."""
    left = size
    while left > 0:
        block = os.urandom(900_000) + bytes(100_000)
        yield block[: min(left, len(block))]
        left -= len(block)


def raw_speeds(sample: bytes) -> tuple[float, float, float]:
    start = time.perf_counter()
    hashlib.sha256(sample).digest()
    sha = len(sample) / (time.perf_counter() - start) / MB
    compressor = zstandard.ZstdCompressor(level=3)
    start = time.perf_counter()
    packed = compressor.compress(sample)
    comp = len(sample) / (time.perf_counter() - start) / MB
    start = time.perf_counter()
    zstandard.ZstdDecompressor().decompress(packed)
    decomp = len(sample) / (time.perf_counter() - start) / MB
    return sha, comp, decomp


def events(count: int) -> Iterator[dict[str, object]]:
    for i in range(count):
        yield {
            "id": f"01HZX{i:021d}",
            "learner": f"lrn-{i % 400:05d}",
            "origin": "7f3a9c0d2e4b6a8c",
            "seq": i + 1,
            "hlc": [1_700_000_000_000 + i * 37, i % 3],
            "type": ("started", "completed", "answered", "scored")[i % 4],
            "payload": {"course": "fracciones-es", "lesson": f"l{i % 12}", "score": i % 11},
        }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=300, help="content size in MB (default 300)")
    parser.add_argument("--events", type=int, default=200_000, help="progress events")
    args = parser.parse_args()

    root, content_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    trust = delegate(
        pinned_trust("bench", raw_public(root.public_key()).hex()),
        "content",
        [raw_public(content_key.public_key()).hex()],
        1,
    )
    hub = generate_hub_identity()
    central = generate_hub_identity()
    work = Path(tempfile.mkdtemp(prefix="bench-bundle-"))
    try:
        size = args.mb * MB
        course = work / "course"
        course.mkdir()
        (course / "course.json").write_text("{}")
        with (course / "video.webm").open("wb") as out:
            for block in media_like(size):
                out.write(block)
        start = time.perf_counter()
        pack_content(course, work / "bundle", fleet="bench", sequence=1, signing_keys=[content_key])
        pack_s = time.perf_counter() - start
        policy = ReadPolicy(trust=trust, me=hub.key_id, encryption_key=hub.encryption)
        start = time.perf_counter()
        with read_bundle_folder(work / "bundle", work / "copy", policy) as bundle:
            verify_s = time.perf_counter() - start
            start = time.perf_counter()
            unpack_content(bundle, work / "unpacked")
            unpack_s = time.perf_counter() - start
        print(f"content ({args.mb} MB):  pack {size / pack_s / MB:8.0f} MB/s   "
              f"verify (copy+hash+decode) {size / verify_s / MB:6.0f} MB/s   "
              f"unpack {size / unpack_s / MB:6.0f} MB/s")  # fmt: skip

        writer = BundleWriter(
            work / "progress", kind="progress", fleet="bench", recipient="central",
            sequence=1, encrypt_to=central.encryption.public_key(),
        )  # fmt: skip
        start = time.perf_counter()
        writer.add_records(events(args.events))
        manifest = writer.commit([hub.signing])
        write_s = time.perf_counter() - start
        stored = sum(part.size for part in manifest.parts)
        central_policy = ReadPolicy(
            trust=trust, me="central", encryption_key=central.encryption,
            enrolled_hubs={hub.key_id},
        )  # fmt: skip
        start = time.perf_counter()
        with read_bundle_folder(work / "progress", work / "pcopy", central_policy) as bundle:
            count = sum(1 for _ in bundle.records())
        read_s = time.perf_counter() - start
        assert count == args.events
        print(f"progress ({args.events} events, encrypted): write {args.events / write_s:8.0f} "
              f"events/s   read {args.events / read_s:8.0f} events/s   "
              f"{stored / args.events:5.1f} bytes/event on the stick")  # fmt: skip
        # Read before the raw-speed sample below, which holds 32 MB in memory on purpose.
        print(f"peak RSS (bundle work): {peak_rss_mb():7.0f} MB")
        sample = b"".join(media_like(32 * MB))
        sha, comp, decomp = raw_speeds(sample)
        print(f"limit: raw sha256      {sha:8.0f} MB/s")
        print(f"limit: raw zstd -3     compress {comp:8.0f} MB/s   decompress {decomp:8.0f} MB/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
