"""Encryption of parts: HPKE wraps a per-bundle file key; each part is a chunked AEAD stream.

Encrypted part file::

    header  = "LHE1" || chunk_size (u32 BE) || nonce_prefix (8 bytes)          16 bytes
    chunk i = ChaCha20-Poly1305(part_key, nonce = nonce_prefix || i (u32 BE),
                                plaintext (chunk_size bytes, the last 0..chunk_size),
                                aad = header || final flag (1 byte: 0 or 1))

The counter in the nonce detects reordered, duplicated and missing chunks; the final flag in the
associated data detects truncation at a chunk boundary (the new last chunk was not sealed as
final). ``part_key`` is derived from the file key and the part's name, so a part cannot be
passed off under another name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hubd.bundle import errors

MAGIC = b"LHE1"
HEADER_SIZE = 16
TAG_SIZE = 16
FILE_KEY_SIZE = 32
NONCE_PREFIX_SIZE = 8
MIN_CHUNK = 64
MAX_CHUNK = 1024 * 1024
PART_KEY_INFO = b"learning-hub/part-key/v1\x00"
KEY_WRAP_INFO = b"learning-hub/bundle-key/v1\x00"
HPKE_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)

#: ``(file_key, recipient_public_key, info) -> wrapped``; tests pass a deterministic one.
KeyWrapper = Callable[[bytes, X25519PublicKey, bytes], bytes]


def key_wrap_info(fleet: str, bundle_id: str, recipient: str) -> bytes:
    """HPKE ``info``: binds the wrapped key to this fleet, bundle and recipient."""
    return KEY_WRAP_INFO + b"\x00".join(s.encode("ascii") for s in (fleet, bundle_id, recipient))


def wrap_file_key(file_key: bytes, recipient: X25519PublicKey, info: bytes) -> bytes:
    """HPKE base mode (X25519, HKDF-SHA256, ChaCha20-Poly1305) single-shot: ``enc || ct``."""
    return HPKE_SUITE.encrypt(file_key, recipient, info=info)


def unwrap_file_key(wrapped: bytes, private_key: X25519PrivateKey, info: bytes) -> bytes:
    """Open the file key; refuses with a reason if this hub is not the one it was sealed for."""
    try:
        file_key = HPKE_SUITE.decrypt(wrapped, private_key, info=info)
    except (InvalidTag, ValueError):
        raise errors.refuse(
            errors.KEY_UNWRAP_FAILED,
            "This bundle was encrypted for another hub or another purpose, so this hub cannot "
            "open it; it was not applied.",
        ) from None
    if len(file_key) != FILE_KEY_SIZE:
        raise errors.refuse(
            errors.KEY_UNWRAP_FAILED,
            "This bundle's encryption key is malformed; it was not applied.",
        )
    return file_key


def part_key(file_key: bytes, part_name: str) -> bytes:
    """The AEAD key of one part: HKDF-SHA256(file key, info = prefix || part name)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=PART_KEY_INFO + part_name.encode()
    ).derive(file_key)


def encrypted_size(plaintext_size: int, chunk_size: int) -> int:
    """Stored size of an encrypted part holding ``plaintext_size`` bytes."""
    chunks = max(1, -(-plaintext_size // chunk_size))
    return HEADER_SIZE + plaintext_size + chunks * TAG_SIZE


class ChunkEncryptor:
    """Seals a stream into chunks; holds back one chunk so the last can be marked final."""

    def __init__(self, file_key: bytes, part_name: str, chunk_size: int, nonce_prefix: bytes):
        if not MIN_CHUNK <= chunk_size <= MAX_CHUNK or len(nonce_prefix) != NONCE_PREFIX_SIZE:
            raise ValueError("bad chunk size or nonce prefix")
        self._aead = ChaCha20Poly1305(part_key(file_key, part_name))
        self._chunk = chunk_size
        self._prefix = nonce_prefix
        self.header = MAGIC + chunk_size.to_bytes(4, "big") + nonce_prefix
        self._buf = bytearray()
        self._counter = 0

    def _seal(self, data: bytes, final: bool) -> bytes:
        nonce = self._prefix + self._counter.to_bytes(4, "big")
        self._counter += 1
        return self._aead.encrypt(nonce, data, self.header + (b"\x01" if final else b"\x00"))

    def update(self, data: bytes) -> bytes:
        """Add plaintext; returns the chunks that are now known not to be the last."""
        self._buf.extend(data)
        out = []
        # Strictly more than one chunk buffered: the first of them cannot be the final one.
        while len(self._buf) > self._chunk:
            out.append(self._seal(bytes(self._buf[: self._chunk]), final=False))
            del self._buf[: self._chunk]
        return b"".join(out)

    def finish(self) -> bytes:
        """Seal what is left as the final chunk (empty only if the whole part is empty)."""
        last = self._seal(bytes(self._buf), final=True)
        self._buf.clear()
        return last


def decrypt_chunks(
    blocks: Callable[[int], bytes], stored_size: int, file_key: bytes, part_name: str
) -> Iterator[bytes]:
    """Yield the plaintext of an encrypted part read through ``blocks(n)`` (a file's read).

    ``stored_size`` is the part's verified size; the chunk that ends there is the final one.
    """

    def bad(detail: str) -> errors.BundleError:
        return errors.refuse(
            errors.DECRYPT_FAILED,
            f"Part {part_name} of the bundle {detail}; the bundle was not applied.",
        )

    header = blocks(HEADER_SIZE)
    if len(header) != HEADER_SIZE or header[:4] != MAGIC:
        raise bad("is not an encrypted part")
    chunk_size = int.from_bytes(header[4:8], "big")
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise bad("has an invalid chunk size")
    aead = ChaCha20Poly1305(part_key(file_key, part_name))
    prefix = header[8:16]
    remaining = stored_size - HEADER_SIZE
    if remaining < TAG_SIZE:
        raise bad("is cut short (no final chunk)")
    counter = 0
    while remaining > 0:
        take = min(chunk_size + TAG_SIZE, remaining)
        if take < TAG_SIZE:
            raise bad("ends in the middle of a chunk")
        sealed = blocks(take)
        if len(sealed) != take:
            raise bad("is shorter than declared")
        remaining -= take
        final = remaining == 0
        nonce = prefix + counter.to_bytes(4, "big")
        try:
            yield aead.decrypt(nonce, sealed, header + (b"\x01" if final else b"\x00"))
        except InvalidTag:
            raise bad(
                "was altered, cut short or had its pieces reordered (decryption failed)"
            ) from None
        counter += 1
        if counter >= 2**32:
            raise bad("has too many chunks")
