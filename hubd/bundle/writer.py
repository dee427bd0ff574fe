"""Writing a bundle folder: parts first, then the manifest, then the signature as commit marker.

Memory stays flat: records and blobs are cut into frames of at most ``limits.max_frame_size``
bytes, each compressed, optionally encrypted, hashed and written before the next is read.
A folder whose ``manifest.sig`` is missing is an unfinished write; readers ignore it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from hubd.bundle import crypto
from hubd.bundle.folder import fsync_dir, read_back, write_file_durably, write_marker
from hubd.bundle.frames import frame_compressor
from hubd.bundle.keys import key_id
from hubd.bundle.limits import DEFAULT_LIMITS, Limits
from hubd.bundle.manifest import (
    MANIFEST_FILE,
    SIGNATURE_FILE,
    TRUST_FILE,
    TRUST_SIGNATURE_FILE,
    Manifest,
    PartInfo,
)
from hubd.bundle.signatures import MANIFEST_DOMAIN, encode_signatures, sign

Random = Callable[[int], bytes]


class _PartWriter:
    """One part file being written: frames in, hashed (and maybe encrypted) bytes out."""

    def __init__(
        self,
        path: Path,
        kind: str,
        limits: Limits,
        level: int,
        encryptor: crypto.ChunkEncryptor | None,
    ) -> None:
        self.path = path
        self.kind = kind
        self._limits = limits
        self._compressor = frame_compressor(level)
        self._encryptor = encryptor
        self._file: BinaryIO = path.open("xb")
        self._sha = hashlib.sha256()
        self.size = 0
        self.uncompressed = 0
        self._plain = 0  # compressed bytes before encryption
        self.frames = 0
        if encryptor is not None:
            self._emit(encryptor.header)

    def _emit(self, data: bytes) -> None:
        if data:
            self._file.write(data)
            self._sha.update(data)
            self.size += len(data)

    def compress(self, data: bytes) -> bytes:
        return bytes(self._compressor.compress(data))

    def fits(self, frame: bytes) -> bool:
        """Whether adding this compressed frame keeps the part within the size limit."""
        if self._encryptor is None:
            after = self.size + len(frame)
        else:
            after = crypto.encrypted_size(self._plain + len(frame), self._limits.chunk_size)
        return after <= self._limits.max_part_size

    def add_frame(self, frame: bytes, uncompressed: int) -> None:
        self.frames += 1
        self.uncompressed += uncompressed
        self._plain += len(frame)
        self._emit(frame if self._encryptor is None else self._encryptor.update(frame))

    def close(self) -> PartInfo:
        if self.frames == 0:
            self.add_frame(self.compress(b""), 0)
        if self._encryptor is not None:
            self._emit(self._encryptor.finish())
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return PartInfo(
            name=self.path.name,
            type=self.kind,
            size=self.size,
            uncompressed_size=self.uncompressed,
            sha256=self._sha.hexdigest(),
            encrypted=self._encryptor is not None,
        )


class BundleWriter:
    """Writes one bundle into a new folder; call ``add_*`` for the parts, then :meth:`commit`.

    ``encrypt_to`` is the recipient's X25519 key: parts added with ``encrypt=True`` (the default
    when a key is given) are sealed to it. ``random`` and ``wrap`` exist so the test vectors can
    be reproduced byte for byte; leave them alone otherwise.
    """

    def __init__(
        self,
        folder: Path,
        *,
        kind: str,
        fleet: str,
        recipient: str,
        sequence: int,
        encrypt_to: X25519PublicKey | None = None,
        limits: Limits = DEFAULT_LIMITS,
        level: int = 3,
        created: int | None = None,
        random: Random = os.urandom,
        wrap: crypto.KeyWrapper = crypto.wrap_file_key,
    ) -> None:
        if limits.max_part_size < 2 * _worst_frame(limits):
            raise ValueError("max_part_size must hold at least two full frames")
        folder.mkdir(parents=False, exist_ok=False)
        self.folder = folder
        self._kind = kind
        self._fleet = fleet
        self._recipient = recipient
        self._sequence = sequence
        self._limits = limits
        self._level = level
        self._created = int(time.time()) if created is None else created
        self._random = random
        self.bundle_id = random(16).hex()
        self._file_key = b""
        self._key_wrap = ""
        if encrypt_to is not None:
            self._file_key = random(crypto.FILE_KEY_SIZE)
            info = crypto.key_wrap_info(fleet, self.bundle_id, recipient)
            self._key_wrap = wrap(self._file_key, encrypt_to, info).hex()
        self._parts: list[PartInfo] = []
        self._current: _PartWriter | None = None
        self._trust: tuple[bytes, bytes] | None = None

    def _open_part(self, kind: str, encrypt: bool) -> _PartWriter:
        index = len(self._parts)
        name = f"p{index:04d}.{'zse' if encrypt else 'zst'}"
        encryptor = None
        if encrypt:
            encryptor = crypto.ChunkEncryptor(
                self._file_key, name, self._limits.chunk_size, self._random(8)
            )
        return _PartWriter(self.folder / name, kind, self._limits, self._level, encryptor)

    def _encrypt(self, encrypt: bool | None) -> bool:
        if encrypt is None:
            return bool(self._file_key)
        if encrypt and not self._file_key:
            raise ValueError("encrypted parts need a recipient key (encrypt_to)")
        return encrypt

    def _push(self, part: _PartWriter, data: bytes, kind: str, encrypt: bool) -> _PartWriter:
        frame = part.compress(data)
        if part.frames and not part.fits(frame):
            self._parts.append(part.close())
            part = self._open_part(kind, encrypt)
        part.add_frame(frame, len(data))
        return part

    def add_records(
        self, records: Iterable[Mapping[str, Any] | bytes], *, encrypt: bool | None = None
    ) -> None:
        """Add newline-delimited JSON records (dicts, or pre-encoded lines without the newline).

        Frames and parts are cut only between records, so every part is whole records.
        """
        enc = self._encrypt(encrypt)
        part = self._open_part("ndjson", enc)
        frame = bytearray()
        for record in records:
            line = record if isinstance(record, bytes) else _record_bytes(record)
            if b"\n" in line or len(line) + 1 > self._limits.max_record_size:
                raise ValueError("a record is too large or contains a newline")
            if len(frame) + len(line) + 1 > self._limits.max_frame_size:
                part = self._push(part, bytes(frame), "ndjson", enc)
                frame.clear()
            frame += line + b"\n"
        if frame:
            part = self._push(part, bytes(frame), "ndjson", enc)
        self._parts.append(part.close())

    def add_blob(self, chunks: Iterable[bytes], *, encrypt: bool | None = None) -> int:
        """Add a byte stream as one or more ``blob`` parts; returns the number of bytes."""
        enc = self._encrypt(encrypt)
        part = self._open_part("blob", enc)
        frame = bytearray()
        total = 0
        step = self._limits.max_frame_size
        for chunk in chunks:
            total += len(chunk)
            frame += chunk
            while len(frame) >= step:
                part = self._push(part, bytes(frame[:step]), "blob", enc)
                del frame[:step]
        if frame or part.frames == 0:
            part = self._push(part, bytes(frame), "blob", enc)
        self._parts.append(part.close())
        return total

    def include_trust(self, document: bytes, signatures: bytes) -> None:
        """Carry a fleet trust document, so hubs that lack it can check the signers."""
        self._trust = (document, signatures)

    def manifest(self, issuer: str) -> Manifest:
        return Manifest(
            kind=self._kind,
            bundle_id=self.bundle_id,
            fleet=self._fleet,
            issuer=issuer,
            recipient=self._recipient,
            sequence=self._sequence,
            created=self._created,
            parts=tuple(self._parts),
            key_wrap=self._key_wrap,
        )

    def commit(self, signing_keys: Sequence[Ed25519PrivateKey], readback: bool = True) -> Manifest:
        """Sign and write the manifest and signature (the commit marker); returns the manifest.

        The first key is the issuer. With ``readback`` the files are dropped from the page
        cache and read back, so a stick that lies about writes is caught here, not at a hub.
        """
        if not signing_keys:
            raise ValueError("a bundle needs at least one signing key")
        manifest = self.manifest(key_id(signing_keys[0].public_key()))
        data = manifest.to_bytes()
        signatures = encode_signatures(sign(MANIFEST_DOMAIN, data, key) for key in signing_keys)
        if self._trust is not None:
            write_file_durably(self.folder / TRUST_FILE, self._trust[0])
            write_file_durably(self.folder / TRUST_SIGNATURE_FILE, self._trust[1])
        write_file_durably(self.folder / MANIFEST_FILE, data)
        write_marker(self.folder / SIGNATURE_FILE, signatures)
        fsync_dir(self.folder)
        if readback:
            read_back(self.folder, manifest, data, signatures)
        return manifest


def _worst_frame(limits: Limits) -> int:
    """Most bytes one full frame can take in a part (zstd's bound, plus AEAD tags)."""
    bound = limits.max_frame_size + limits.max_frame_size // 128 + 64
    tags = (bound // limits.chunk_size + 2) * crypto.TAG_SIZE
    return crypto.HEADER_SIZE + bound + tags


def _record_bytes(record: Mapping[str, Any]) -> bytes:
    return json.dumps(
        record, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    ).encode("utf-8")
