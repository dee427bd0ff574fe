"""Keys: key ids, key files, and the hub's own identity (a signing and an encryption key pair).

Private key files are PKCS#8 PEM (readable by OpenSSL), created with mode 0600 by an exclusive
create, and never printed. Public key files are one line: ``ed25519:<64 hex>`` or
``x25519:<64 hex>``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from hubd.bundle import errors
from hubd.bundle.errors import KeyFileError

KEY_ID_PREFIX = b"learning-hub/key-id/v1\x00"
_MAX_KEY_FILE = 4096
SIGNING_KEY_FILE = "signing.key"
ENCRYPTION_KEY_FILE = "encryption.key"


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's short name: 32 hex digits of SHA-256 over a prefix and the raw public key."""
    return hashlib.sha256(KEY_ID_PREFIX + raw_public(public_key)).hexdigest()[:32]


def raw_public(public_key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ed25519_from_hex(text: str) -> Ed25519PublicKey:
    """Parse 64 hex digits as an Ed25519 public key (ValueError if malformed)."""
    raw = _hex32(text)
    return Ed25519PublicKey.from_public_bytes(raw)


def x25519_from_hex(text: str) -> X25519PublicKey:
    """Parse 64 hex digits as an X25519 public key (ValueError if malformed)."""
    return X25519PublicKey.from_public_bytes(_hex32(text))


def _hex32(text: str) -> bytes:
    if len(text) != 64 or text != text.lower():
        raise ValueError("a public key is 64 lower-case hex digits")
    return bytes.fromhex(text)


@dataclass(frozen=True)
class HubIdentity:
    """A hub's own keys: Ed25519 to sign what it sends, X25519 to open what is sent to it."""

    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    @property
    def key_id(self) -> str:
        """The hub's key id: how bundles name it as issuer or recipient."""
        return key_id(self.signing.public_key())

    @property
    def signing_public_hex(self) -> str:
        return raw_public(self.signing.public_key()).hex()

    @property
    def encryption_public_hex(self) -> str:
        return raw_public(self.encryption.public_key()).hex()


def _private_pem(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private_key(path: Path, key: Ed25519PrivateKey | X25519PrivateKey) -> None:
    """Write a private key file with mode 0600; refuses to overwrite an existing file.

    The key goes to a temporary name first and is linked into place, so a power cut never
    leaves a half-written key under the real name.
    """
    if path.exists() or path.is_symlink():
        raise KeyFileError(
            errors.KEY_FILE, f"The key file {path} already exists; it was not overwritten."
        )
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask can only remove bits, but be explicit
        os.write(fd, _private_pem(key))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise KeyFileError(
            errors.KEY_FILE, f"The key file {path} already exists; it was not overwritten."
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def write_public_key(path: Path, key: Ed25519PublicKey | X25519PublicKey) -> None:
    """Write a one-line public key file (``ed25519:<hex>`` or ``x25519:<hex>``)."""
    kind = "ed25519" if isinstance(key, Ed25519PublicKey) else "x25519"
    path.write_text(f"{kind}:{raw_public(key).hex()}\n", encoding="ascii")


def _read_private(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise KeyFileError(errors.KEY_FILE, f"The key file {path} does not exist.") from None
    except OSError as exc:
        raise KeyFileError(
            errors.KEY_FILE, f"The key file {path} cannot be read ({exc.strerror})."
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(errors.KEY_FILE, f"The key file {path} is not a regular file.")
        if info.st_mode & 0o077:
            raise KeyFileError(
                errors.KEY_FILE,
                f"The key file {path} can be read by other users; run chmod 600 on it first.",
            )
        data = os.read(fd, _MAX_KEY_FILE + 1)
    finally:
        os.close(fd)
    if len(data) > _MAX_KEY_FILE:
        raise KeyFileError(errors.KEY_FILE, f"The key file {path} is too large to be a key.")
    return data


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """Load an Ed25519 private key file (refused if others can read it)."""
    key = _load_private(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(errors.KEY_FILE, f"The key file {path} is not an Ed25519 signing key.")
    return key


def load_encryption_key(path: Path) -> X25519PrivateKey:
    """Load an X25519 private key file (refused if others can read it)."""
    key = _load_private(path)
    if not isinstance(key, X25519PrivateKey):
        raise KeyFileError(errors.KEY_FILE, f"The key file {path} is not an X25519 encryption key.")
    return key


def _load_private(path: Path) -> object:
    data = _read_private(path)
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        # Never echo the file's content: it is a private key, or meant to be one.
        raise KeyFileError(errors.KEY_FILE, f"The key file {path} is not a valid key.") from None


def load_public_key(path: Path) -> Ed25519PublicKey | X25519PublicKey:
    """Load a public key file written by :func:`write_public_key`."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        raise KeyFileError(errors.KEY_FILE, f"The public key file {path} cannot be read.") from None
    kind, _, hex_part = text.partition(":")
    try:
        if kind == "ed25519":
            return ed25519_from_hex(hex_part)
        if kind == "x25519":
            return x25519_from_hex(hex_part)
    except ValueError:
        pass
    raise KeyFileError(
        errors.KEY_FILE, f"The public key file {path} is not of the form ed25519:<hex>."
    )


def generate_hub_identity() -> HubIdentity:
    """Make a fresh identity in memory (each hub makes its own; never baked into an image)."""
    return HubIdentity(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())


def save_hub_identity(folder: Path, identity: HubIdentity) -> None:
    """Write the identity's two private key files into ``folder`` (mode 0600, no overwrite)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private_key(folder / SIGNING_KEY_FILE, identity.signing)
    write_private_key(folder / ENCRYPTION_KEY_FILE, identity.encryption)


def load_hub_identity(folder: Path) -> HubIdentity:
    """Load the identity written by :func:`save_hub_identity`."""
    return HubIdentity(
        load_signing_key(folder / SIGNING_KEY_FILE),
        load_encryption_key(folder / ENCRYPTION_KEY_FILE),
    )


def ensure_hub_identity(folder: Path) -> HubIdentity:
    """Load the hub's identity, creating whichever key is missing (the first start).

    A key that already exists is never replaced: other hubs and central know the hub by it.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    signing_path = folder / SIGNING_KEY_FILE
    encryption_path = folder / ENCRYPTION_KEY_FILE
    if not signing_path.exists():
        write_private_key(signing_path, Ed25519PrivateKey.generate())
    if not encryption_path.exists():
        write_private_key(encryption_path, X25519PrivateKey.generate())
    return load_hub_identity(folder)
