"""A bundle as one byte stream (for HTTP): the folder's files, length-prefixed, in a fixed order.

::

    stream  = "LHBSTRM1" member* end
    member  = name_length (u16 BE, 1..64) || name (ASCII) || size (u64 BE) || size bytes
    end     = 0x0000

Members come in this order: ``trust.json`` and ``trust.sig`` (both or neither), then
``manifest.json``, ``manifest.sig``, then each part in manifest order. Nothing may follow the end.
A reader therefore checks the signature before it receives any part, and knows every part's
exact size in advance.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from hubd.bundle import errors
from hubd.bundle.manifest import (
    MANIFEST_FILE,
    SIGNATURE_FILE,
    TRUST_FILE,
    TRUST_SIGNATURE_FILE,
    parse_manifest,
)

STREAM_MAGIC = b"LHBSTRM1"
END = b"\x00\x00"
MAX_NAME = 64
_SIZE = struct.Struct(">Q")
_NAME_LEN = struct.Struct(">H")


def member_header(name: str, size: int) -> bytes:
    """The bytes that introduce one member."""
    raw = name.encode("ascii")
    return _NAME_LEN.pack(len(raw)) + raw + _SIZE.pack(size)


def iter_bundle_stream(folder: Path, block: int = 1 << 20) -> Iterator[bytes]:
    """Serialize a committed bundle folder (one this program wrote) as a stream, in chunks.

    Suits an HTTP response body. The folder's parts are read once, in order.
    """
    manifest_bytes = (folder / MANIFEST_FILE).read_bytes()
    manifest = parse_manifest(manifest_bytes)
    yield STREAM_MAGIC
    names = []
    if (folder / TRUST_FILE).exists():
        names += [TRUST_FILE, TRUST_SIGNATURE_FILE]
    names += [MANIFEST_FILE, SIGNATURE_FILE, *(part.name for part in manifest.parts)]
    for name in names:
        path = folder / name
        with path.open("rb") as src:
            size = path.stat().st_size
            yield member_header(name, size)
            left = size
            while left:
                data = src.read(min(block, left))
                if not data:
                    raise OSError(f"{path} shrank while being sent")
                left -= len(data)
                yield data
    yield END


def write_bundle_stream(folder: Path, out: BinaryIO) -> None:
    """Write a committed bundle folder to ``out`` as one stream."""
    for chunk in iter_bundle_stream(folder):
        out.write(chunk)


class StreamReader:
    """Reads members from an untrusted stream, never more than asked for."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def exact(self, size: int) -> bytes:
        """Read exactly ``size`` bytes or refuse the stream as cut short."""
        data = bytearray()
        while len(data) < size:
            block = self._stream.read(size - len(data))
            if not block:
                raise errors.refuse(
                    errors.STREAM_INVALID,
                    "The bundle stream ended early (the transfer was cut); it was not applied.",
                )
            data += block
        return bytes(data)

    def magic(self) -> None:
        if self.exact(len(STREAM_MAGIC)) != STREAM_MAGIC:
            raise errors.refuse(
                errors.STREAM_INVALID,
                "This is not a Learning Hub bundle stream; it was not applied.",
            )

    def next_member(self) -> tuple[str, int] | None:
        """The next member's name and size, or None at the end marker."""
        (length,) = _NAME_LEN.unpack(self.exact(2))
        if length == 0:
            return None
        if length > MAX_NAME:
            raise errors.refuse(
                errors.STREAM_INVALID, "The bundle stream is malformed; it was not applied."
            )
        try:
            name = self.exact(length).decode("ascii")
        except UnicodeDecodeError:
            raise errors.refuse(
                errors.STREAM_INVALID, "The bundle stream is malformed; it was not applied."
            ) from None
        (size,) = _SIZE.unpack(self.exact(8))
        return name, size

    def expect_end(self) -> None:
        """After the end marker nothing may follow."""
        if self._stream.read(1):
            raise errors.refuse(
                errors.TRAILING_DATA,
                "The bundle stream has extra data after its end; it was not applied.",
            )

    def read(self, size: int) -> bytes:
        return self._stream.read(size)
