"""atheris fuzz target for the bundle readers: only BundleError may ever come out.

Short run (the test suite does this for ~8 s)::

    .venv/bin/python tests/fuzz/fuzz_bundle.py -max_total_time=8 CORPUS_DIR

Long run (hours; seed the corpus first so the fuzzer starts from a real bundle)::

    .venv/bin/python tests/fuzz/fuzz_bundle.py --seed /tmp/bundle-corpus
    .venv/bin/python tests/fuzz/fuzz_bundle.py -max_total_time=14400 -jobs=2 /tmp/bundle-corpus

The first byte of an input picks the target: a whole bundle stream (with the test-vector keys,
so the seed reaches deep), a manifest, a run of zstd frames, or an encrypted part.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from hubd.bundle import BundleError, ReadPolicy, pinned_trust, read_bundle_stream
    from hubd.bundle.crypto import decrypt_chunks
    from hubd.bundle.frames import decompress_frames
    from hubd.bundle.limits import Limits
    from hubd.bundle.manifest import parse_manifest

VECTORS = Path(__file__).resolve().parents[2] / "bundles" / "vectors"
LIMITS = Limits(max_frame_size=4096, max_part_size=65536, chunk_size=64, max_window_size=65536)
_KEYS = json.loads((VECTORS / "keys.json").read_text())
POLICY = ReadPolicy(
    trust=pinned_trust(_KEYS["fleet"], _KEYS["root_public"]),
    me=_KEYS["hub_key_id"],
    encryption_key=X25519PrivateKey.from_private_bytes(
        bytes.fromhex(_KEYS["test_only_private_keys"]["hub_encryption"])
    ),
    limits=LIMITS,
)
WORK = Path(tempfile.mkdtemp(prefix="fuzz-bundle-"))


def one_input(data: bytes) -> None:
    if not data:
        return
    mode, body = data[0] % 4, data[1:]
    work = WORK / "w"
    try:
        if mode == 0:
            with read_bundle_stream(io.BytesIO(body), work, POLICY) as bundle:
                for _ in bundle.records():
                    pass
        elif mode == 1:
            parse_manifest(body, LIMITS)
        elif mode == 2:
            for _ in decompress_frames(
                [body[i : i + 97] for i in range(0, len(body), 97)],
                len(body) * 3,
                "p0000.zst",
                LIMITS,
            ):
                pass
        else:
            stream = io.BytesIO(body)
            for _ in decrypt_chunks(stream.read, len(body), b"k" * 32, "p0000.zse"):
                pass
    except BundleError:
        pass
    finally:
        shutil.rmtree(work, ignore_errors=True)


def seed(corpus: Path) -> None:
    """Write seed inputs built from the committed vectors."""
    corpus.mkdir(parents=True, exist_ok=True)
    stream = (VECTORS / "reply-encrypted.stream").read_bytes()
    (corpus / "stream").write_bytes(b"\x00" + stream)
    (corpus / "manifest").write_bytes(
        b"\x01" + (VECTORS / "content" / "manifest.json").read_bytes()
    )
    (corpus / "frames").write_bytes(b"\x02" + (VECTORS / "content" / "p0001.zst").read_bytes())
    (corpus / "chunks").write_bytes(
        b"\x03" + (VECTORS / "reply-encrypted" / "p0000.zse").read_bytes()
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--seed":
        seed(Path(sys.argv[2]))
        sys.exit(0)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
