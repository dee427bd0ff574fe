"""Hostile input, part 2: part files, zstd frames, encryption chunks, HPKE, changing sticks."""

from __future__ import annotations

import io
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import zstandard

from hubd.bundle import BundleError, BundleWriter, FolderSource, read_bundle, read_bundle_folder
from hubd.bundle import errors as e
from hubd.bundle.crypto import HEADER_SIZE, TAG_SIZE, ChunkEncryptor, wrap_file_key
from hubd.bundle.manifest import MANIFEST_FILE, parse_manifest
from hubd.bundle.reader import read_bundle_stream
from hubd.bundle.stream import write_bundle_stream
from tests.unit.bundle.bundlekit import (
    SMALL,
    Fleet,
    edit_manifest,
    file_key,
    forge_part,
    sample_records,
)

Refused = Callable[..., BundleError]


def _parts(folder: Path) -> list[Path]:
    manifest = parse_manifest((folder / MANIFEST_FILE).read_bytes(), SMALL)
    return [folder / part.name for part in manifest.parts]


def test_bit_flips_in_parts_are_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    part = _parts(folder)[0]
    original = part.read_bytes()
    rng = random.Random(3)
    for position in sorted({0, len(original) - 1, *rng.sample(range(len(original)), 30)}):
        data = bytearray(original)
        data[position] ^= 1 << rng.randrange(8)
        part.write_bytes(bytes(data))
        error = refused(
            lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.PART_HASH_MISMATCH
        )
        assert f"Part {part.name}" in error.reason
    part.write_bytes(original)


def test_truncated_parts_are_refused_at_random_offsets(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    part = _parts(folder)[0]
    original = part.read_bytes()
    rng = random.Random(4)
    for cut in sorted({0, 1, len(original) - 1, *rng.sample(range(len(original)), 20)}):
        part.write_bytes(original[:cut])
        refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.PART_TOO_SHORT)


def test_part_longer_than_declared_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    part = _parts(folder)[0]
    part.write_bytes(part.read_bytes() + b"\x00")
    refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.PART_TOO_LONG)


def test_missing_extra_and_case_duplicate_parts_are_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    first = _parts(folder)[0]
    policy = fleet.hub_policy()
    shutil.copy(first, folder / first.name.upper())
    error = refused(lambda w: read_bundle_folder(folder, w, policy), e.PART_DUPLICATE)
    assert "upper/lower case" in error.reason
    (folder / first.name.upper()).unlink()
    (folder / "p9999.zse").write_bytes(b"extra")
    refused(lambda w: read_bundle_folder(folder, w, policy), e.PART_EXTRA)
    (folder / "p9999.zse").unlink()
    saved = first.read_bytes()
    first.unlink()
    error = refused(lambda w: read_bundle_folder(folder, w, policy), e.PART_MISSING)
    assert first.name in error.reason
    first.write_bytes(saved)

    def list_twice(doc: dict[str, Any]) -> None:
        doc["parts"].append(doc["parts"][0])

    edit_manifest(folder, list_twice, [fleet.reply])
    refused(lambda w: read_bundle_folder(folder, w, policy), e.PART_DUPLICATE)


def test_temporary_leftovers_beside_a_bundle_are_ignored(fleet: Fleet) -> None:
    folder = fleet.reply_bundle()
    (folder / "manifest.sig.tmp").write_bytes(b"half-written")
    (folder / "._p0000.zse").write_bytes(b"resource fork")
    with read_bundle_folder(folder, fleet.tmp / "w", fleet.hub_policy()) as bundle:
        assert list(bundle.records()) == sample_records(200)


# --- zstd: bombs, windows, truncated frames, trailing garbage ---------------------------


def _plain_bundle(fleet: Fleet) -> tuple[Path, Path]:
    folder = fleet.reply_bundle([{"n": 1}], encrypt=False)
    return folder, _parts(folder)[0]


def _frame(data: bytes, **kw: Any) -> bytes:
    args: dict[str, Any] = {"write_checksum": True, "write_content_size": True}
    args.update(kw)
    return bytes(zstandard.ZstdCompressor(**args).compress(data))


def _hostile_part(fleet: Fleet, refused: Refused, data: bytes, declared: int, code: str) -> str:
    folder, part = _plain_bundle(fleet)
    forge_part(folder, part.name, data, [fleet.reply], uncompressed_size=declared)
    return refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), code).reason


def test_zstd_bomb_over_the_frame_limit_is_refused_before_decompressing(
    fleet: Fleet, refused: Refused
) -> None:
    bomb = _frame(b"\n" * (SMALL.max_frame_size * 50))
    reason = _hostile_part(fleet, refused, bomb, 10, e.FRAME_REFUSED)
    assert "more memory than allowed" in reason


def test_frame_that_unpacks_beyond_the_declared_size_is_refused(
    fleet: Fleet, refused: Refused
) -> None:
    _hostile_part(fleet, refused, _frame(b"{}\n" * 100), 30, e.SIZE_MISMATCH)


def test_frame_header_lying_about_its_size_is_refused(fleet: Fleet, refused: Refused) -> None:
    frame = bytearray(_frame(b"{}\n" * 1000))
    assert frame[4] == 0x64  # single segment, 2-byte content size field, checksum
    frame[5:7] = (1000 - 256).to_bytes(2, "little")  # claims 1000 bytes, holds 3000
    claimed = zstandard.get_frame_parameters(bytes(frame)).content_size
    _hostile_part(fleet, refused, bytes(frame), claimed, e.DECOMPRESS_FAILED)


def test_oversized_window_is_refused(fleet: Fleet, refused: Refused) -> None:
    frame = _frame(b"{}\n" * 100)
    # Rewrite the header: not single-segment, and a window descriptor asking for 128 MiB.
    fcs_flag = frame[4] >> 6
    size_field = frame[5 : 5 + (1 if fcs_flag == 0 else 2 << (fcs_flag - 1))]
    if fcs_flag == 0:  # a 1-byte size only exists in single-segment frames; widen it
        size_field = (len(b"{}\n" * 100) - 256).to_bytes(2, "little")
        fcs_flag = 1
    header = bytes([(fcs_flag << 6) | 0x04, 17 << 3]) + size_field
    forged = frame[:4] + header + frame[5 + len(size_field) :]
    reason = _hostile_part(fleet, refused, forged, 300, e.FRAME_REFUSED)
    assert "more memory" in reason


def test_truncated_frame_is_refused(fleet: Fleet, refused: Refused) -> None:
    frame = _frame(b"{}\n" * 100)
    for cut in (5, len(frame) // 2, len(frame) - 1):
        _hostile_part(fleet, refused, frame[:cut], 300, e.FRAME_TRUNCATED)


def test_trailing_garbage_after_the_last_frame_is_refused(fleet: Fleet, refused: Refused) -> None:
    frame = _frame(b"{}\n" * 100)
    _hostile_part(fleet, refused, frame + b"junk", 300, e.TRAILING_DATA)
    _hostile_part(fleet, refused, frame + _frame(b""), 300, e.TRAILING_DATA)


def test_frames_without_checksum_or_size_are_refused(fleet: Fleet, refused: Refused) -> None:
    no_sum = _frame(b"{}\n", write_checksum=False)
    _hostile_part(fleet, refused, no_sum, 3, e.FRAME_REFUSED)
    obj = zstandard.ZstdCompressor(write_checksum=True).compressobj()
    no_size = obj.compress(b"{}\n") + obj.flush()
    _hostile_part(fleet, refused, no_size, 3, e.FRAME_REFUSED)
    skippable = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"abcd"
    _hostile_part(fleet, refused, skippable + _frame(b"{}\n"), 3, e.FRAME_REFUSED)


def test_record_that_is_not_a_json_object_is_refused(fleet: Fleet, refused: Refused) -> None:
    for bad in (b"[1]\n", b"{}", b'{"a":NaN}\n', b'{"a":1,"a":2}\n', b"\xff\n"):
        _hostile_part(fleet, refused, _frame(bad), len(bad), e.RECORD_INVALID)


# --- encryption: chunks, HPKE context and recipient -------------------------------------


def _chunks(fleet: Fleet) -> tuple[Path, Path, bytes, list[bytes]]:
    folder = fleet.reply_bundle()
    part = _parts(folder)[0]
    data = part.read_bytes()
    step = SMALL.chunk_size + TAG_SIZE
    body = data[HEADER_SIZE:]
    return folder, part, data[:HEADER_SIZE], [body[i : i + step] for i in range(0, len(body), step)]


@pytest.mark.parametrize("attack", ["reorder", "duplicate", "drop-middle", "drop-last"])
def test_reordered_duplicated_or_missing_chunks_are_refused(
    fleet: Fleet, refused: Refused, attack: str
) -> None:
    folder, part, header, chunks = _chunks(fleet)
    assert len(chunks) > 3
    if attack == "reorder":
        chunks[1], chunks[2] = chunks[2], chunks[1]
    elif attack == "duplicate":
        chunks.insert(2, chunks[1])
    elif attack == "drop-middle":
        del chunks[1]
    else:  # truncation exactly at a chunk boundary
        del chunks[-1]
    # The attacker even holds the reply key and re-signs: the chunks still give it away.
    forge_part(folder, part.name, header + b"".join(chunks), [fleet.reply])
    error = refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.DECRYPT_FAILED)
    assert "decryption failed" in error.reason


def test_part_renamed_to_another_part_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    first, second = _parts(folder)[:2]
    forge_part(folder, second.name, first.read_bytes(), [fleet.reply])
    refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.DECRYPT_FAILED)


def test_key_wrapped_for_another_context_is_refused(fleet: Fleet, refused: Refused) -> None:
    def wrong_context(key: bytes, recipient: Any, info: bytes) -> bytes:
        return wrap_file_key(key, recipient, info + b"-another-bundle")

    folder = fleet.path("reply")
    writer = BundleWriter(
        folder, kind="reply", fleet="demo", recipient=fleet.hub.key_id, sequence=1,
        encrypt_to=fleet.hub.encryption.public_key(), limits=SMALL, wrap=wrong_context,
    )  # fmt: skip
    writer.add_records([{"n": 1}])
    writer.commit([fleet.reply])
    error = refused(
        lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.KEY_UNWRAP_FAILED
    )
    assert "cannot open it" in error.reason


def test_key_wrapped_for_another_recipient_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.path("reply")
    writer = BundleWriter(
        folder, kind="reply", fleet="demo", recipient=fleet.hub.key_id, sequence=1,
        encrypt_to=fleet.other_hub.encryption.public_key(), limits=SMALL,
    )  # fmt: skip
    writer.add_records([{"n": 1}])
    writer.commit([fleet.reply])
    refused(lambda w: read_bundle_folder(folder, w, fleet.hub_policy()), e.KEY_UNWRAP_FAILED)


def test_chunk_encryptor_holds_back_the_final_chunk() -> None:
    enc = ChunkEncryptor(b"k" * 32, "p0000.zse", 64, b"n" * 8)
    out = enc.update(b"x" * 64)
    assert out == b"", "a full chunk may still be the last one"
    out += enc.update(b"y") + enc.finish()
    assert len(out) == 64 + 1 + 2 * TAG_SIZE


def test_file_key_opens_only_with_the_right_hub(fleet: Fleet) -> None:
    folder = fleet.reply_bundle()
    assert len(file_key(folder, fleet.hub)) == 32
    with pytest.raises(BundleError):
        file_key(folder, fleet.other_hub)


# --- streams ------------------------------------------------------------------------------


def _stream(folder: Path) -> bytes:
    out = io.BytesIO()
    write_bundle_stream(folder, out)
    return out.getvalue()


def test_stream_truncated_or_padded_is_refused(fleet: Fleet, refused: Refused) -> None:
    data = _stream(fleet.reply_bundle())
    policy = fleet.hub_policy()
    rng = random.Random(5)
    for cut in sorted({0, 8, 20, len(data) - 1, *rng.sample(range(len(data)), 15)}):
        with pytest.raises(BundleError):
            read_bundle_stream(io.BytesIO(data[:cut]), fleet.tmp / "w", policy)
        assert not (fleet.tmp / "w").exists()
    refused(lambda w: read_bundle_stream(io.BytesIO(data + b"x"), w, policy), e.TRAILING_DATA)


def test_stream_with_a_part_of_the_wrong_size_is_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    part = _parts(folder)[0]
    part.write_bytes(part.read_bytes() + b"\x00")
    data = _stream(folder)
    refused(lambda w: read_bundle_stream(io.BytesIO(data), w, fleet.hub_policy()), e.PART_TOO_LONG)


# --- a stick whose bytes change between reads --------------------------------------------


class ChangingSource(FolderSource):
    """Returns the real bytes on the first open of each file, different bytes afterwards."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.opened: dict[str, int] = {}

    def open_member(self, name: str) -> BinaryIO:
        self.opened[name] = self.opened.get(name, 0) + 1
        real = super().open_member(name)
        if self.opened[name] == 1:
            return real
        real.close()
        return io.BytesIO(b"evil" * 1000)


def test_bytes_that_change_after_verification_are_never_used(fleet: Fleet) -> None:
    folder = fleet.reply_bundle()
    source = ChangingSource(folder)
    with read_bundle(source, fleet.tmp / "w", fleet.hub_policy()) as bundle:
        for part in _parts(folder):  # the stick now serves different bytes
            part.write_bytes(b"evil" * 100)
        assert list(bundle.records()) == sample_records(200)
    assert max(source.opened.values()) == 1, "every file was read from the stick only once"


def test_bytes_that_change_during_the_copy_are_refused(fleet: Fleet, refused: Refused) -> None:
    folder = fleet.reply_bundle()
    part = _parts(folder)[1]

    class Flaky(FolderSource):
        def open_member(self, name: str) -> BinaryIO:
            if name == part.name:
                data = bytearray(part.read_bytes())
                data[-1] ^= 1
                return io.BytesIO(bytes(data))
            return super().open_member(name)

    refused(lambda w: read_bundle(Flaky(folder), w, fleet.hub_policy()), e.PART_HASH_MISMATCH)
