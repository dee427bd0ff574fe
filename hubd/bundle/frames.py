"""zstd frames: every frame states its content size and carries a checksum; readers trust nothing.

zstandard's own streaming readers return short output silently when a frame ends early, so the
reader here parses each frame header itself, refuses what the format does not allow (unknown
content size, no checksum, a dictionary, a window or a frame over the limits, skippable frames),
feeds one frame at a time to a fresh decoder, and insists the frame really ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import zstandard

from hubd.bundle import errors
from hubd.bundle.limits import Limits

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_MAX_HEADER = 18  # magic, descriptor, window, 4-byte dictionary id, 8-byte content size
_UNKNOWN_SIZE = zstandard.CONTENTSIZE_UNKNOWN


def frame_compressor(level: int) -> zstandard.ZstdCompressor:
    """The compressor whose frames this format requires (content size and checksum on)."""
    return zstandard.ZstdCompressor(
        level=level, write_checksum=True, write_content_size=True, write_dict_id=False
    )


def _bad(code: str, part: str, detail: str) -> errors.BundleError:
    return errors.refuse(code, f"Part {part} of the bundle {detail}; the bundle was not applied.")


def decompress_frames(
    chunks: Iterable[bytes], expected_size: int, part: str, limits: Limits
) -> Iterator[bytes]:
    """Yield the decompressed bytes of a sequence of zstd frames, checking everything.

    ``expected_size`` is the uncompressed size the signed manifest declares; output beyond it,
    short of it, or input after the last frame is refused. At most one frame's output
    (``limits.max_frame_size``) is held in memory.
    """
    source = iter(chunks)
    buf = bytearray()
    exhausted = False
    total = 0
    frames = 0
    decoder = zstandard.ZstdDecompressor(max_window_size=limits.max_window_size)

    def fill(want: int) -> None:
        nonlocal exhausted
        while len(buf) < want and not exhausted:
            block = next(source, None)
            if block is None:
                exhausted = True
            else:
                buf.extend(block)

    while True:
        fill(_MAX_HEADER)
        if not buf:
            break
        if total == expected_size and frames:
            raise _bad(errors.TRAILING_DATA, part, "has extra data after its end")
        if bytes(buf[:4]) != ZSTD_MAGIC:
            raise _bad(errors.FRAME_REFUSED, part, "is not valid compressed data")
        try:
            params = zstandard.get_frame_parameters(bytes(buf[:_MAX_HEADER]))
        except zstandard.ZstdError:
            raise _bad(errors.FRAME_TRUNCATED, part, "ends in the middle of a frame") from None
        size = params.content_size
        if size == _UNKNOWN_SIZE or not params.has_checksum or params.dict_id:
            raise _bad(errors.FRAME_REFUSED, part, "has a frame without size or checksum")
        if params.window_size > limits.max_window_size or size > limits.max_frame_size:
            raise _bad(errors.FRAME_REFUSED, part, "asks for more memory than allowed")
        if total + size > expected_size:
            raise _bad(errors.SIZE_MISMATCH, part, "unpacks to more than its declared size")
        frame = decoder.decompressobj()
        produced = 0
        data = bytes(buf)
        buf.clear()
        while True:
            try:
                out = frame.decompress(data)
            except zstandard.ZstdError:
                raise _bad(
                    errors.DECOMPRESS_FAILED, part, "is damaged (decompression failed)"
                ) from None
            produced += len(out)
            if produced > size:  # libzstd enforces the header's size; this is a second belt
                raise _bad(errors.SIZE_MISMATCH, part, "unpacks to more than its frame declares")
            if out:
                yield out
            if frame.eof:
                buf.extend(frame.unused_data)
                break
            data = next(source, b"")
            if not data:
                exhausted = True
                raise _bad(errors.FRAME_TRUNCATED, part, "ends in the middle of a frame")
        if produced != size:
            raise _bad(errors.FRAME_TRUNCATED, part, "has a frame shorter than it declares")
        total += produced
        frames += 1
    if frames == 0:
        raise _bad(errors.FRAME_TRUNCATED, part, "is empty")
    if total != expected_size:
        raise _bad(errors.SIZE_MISMATCH, part, "unpacks to less than its declared size")
