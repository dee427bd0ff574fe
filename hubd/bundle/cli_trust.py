"""``hubd bundle trust ...``: create the fleet's trust document, delegate roles, rotate the root."""

from __future__ import annotations

import argparse
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from hubd.bundle.cli_common import load_trust_dir, run_safely
from hubd.bundle.errors import KeyFileError
from hubd.bundle.keys import key_id, load_public_key, load_signing_key, raw_public
from hubd.bundle.manifest import TRUST_FILE, TRUST_SIGNATURE_FILE
from hubd.bundle.trust import ROLES, TrustDocument, delegate, rotate_root, sign_trust


def add_trust_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``trust init | delegate | rotate-root | show``."""
    trust = sub.add_parser("trust", help="the fleet's trust document (root and role keys)")
    tsub = trust.add_subparsers(dest="trust_command", metavar="COMMAND", required=True)

    p = tsub.add_parser("init", help="start a fleet's trust document, signed by its root key")
    p.add_argument("--fleet", required=True, help="fleet name: a-z, 0-9 and -")
    p.add_argument("--root-key", type=Path, required=True, help="root private key file")
    p.add_argument("--central-key", type=Path, help="central's X25519 public key file")
    p.add_argument("--out", type=Path, required=True, help="folder for trust.json/trust.sig")
    p.set_defaults(func=run_safely(_init))

    p = tsub.add_parser("delegate", help="give a role to keys, with a threshold")
    p.add_argument("--trust", type=Path, required=True, help="trust folder (updated in place)")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--key", type=Path, action="append", required=True, help="public key file")
    p.add_argument("--threshold", type=int, default=1, help="signatures needed (default 1)")
    p.add_argument("--root-key", type=Path, required=True, help="root private key file")
    p.set_defaults(func=run_safely(_delegate))

    p = tsub.add_parser("rotate-root", help="replace the root key (signed by old and new root)")
    p.add_argument("--trust", type=Path, required=True, help="trust folder (updated in place)")
    p.add_argument("--root-key", type=Path, required=True, help="current root private key")
    p.add_argument("--new-root-key", type=Path, required=True, help="new root private key")
    p.set_defaults(func=run_safely(_rotate))

    p = tsub.add_parser("show", help="print a trust document after checking its signature")
    p.add_argument("--trust", type=Path, required=True)
    p.set_defaults(func=run_safely(_show))


def _ed25519_hex(path: Path) -> str:
    key = load_public_key(path)
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError("key_file", f"{path} is not an ed25519 public key.")
    return raw_public(key).hex()


def _write(folder: Path, files: tuple[bytes, bytes], replace_existing: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in ((TRUST_FILE, files[0]), (TRUST_SIGNATURE_FILE, files[1])):
        target = folder / name
        if target.exists() and not replace_existing:
            raise FileExistsError(0, "exists", str(target))
        tmp = folder / (name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)


def _print(doc: TrustDocument) -> None:
    print(f"fleet {doc.fleet}, serial {doc.serial}, root key id {doc.root_key_id}")
    for name, role in doc.roles.items():
        ids = ", ".join(sorted(role.key_ids))
        print(f"role {name}: {role.threshold} of {len(role.keys)} keys ({ids})")
    if doc.central_encryption_key:
        print(f"central encryption key x25519:{doc.central_encryption_key}")


def _init(args: argparse.Namespace) -> int:
    root = load_signing_key(args.root_key)
    central = ""
    if args.central_key is not None:
        key = load_public_key(args.central_key)
        if not isinstance(key, X25519PublicKey):
            raise KeyFileError("key_file", f"{args.central_key} is not an x25519 public key.")
        central = raw_public(key).hex()
    doc = TrustDocument(
        fleet=args.fleet,
        serial=1,
        root=raw_public(root.public_key()).hex(),
        central_encryption_key=central,
    )
    _write(args.out, sign_trust(doc, [root]), replace_existing=False)
    _print(doc)
    return 0


def _check_root(doc: TrustDocument, path: Path) -> None:
    key = load_signing_key(path)
    if key_id(key.public_key()) != doc.root_key_id:
        raise KeyFileError("key_file", f"{path} is not this fleet's current root key.")


def _delegate(args: argparse.Namespace) -> int:
    doc, _ = load_trust_dir(args.trust)
    root = load_signing_key(args.root_key)
    _check_root(doc, args.root_key)
    new = delegate(doc, args.role, [_ed25519_hex(p) for p in args.key], args.threshold)
    _write(args.trust, sign_trust(new, [root]), replace_existing=True)
    _print(new)
    return 0


def _rotate(args: argparse.Namespace) -> int:
    doc, _ = load_trust_dir(args.trust)
    old = load_signing_key(args.root_key)
    _check_root(doc, args.root_key)
    new_root = load_signing_key(args.new_root_key)
    new = rotate_root(doc, new_root)
    _write(args.trust, sign_trust(new, [old, new_root]), replace_existing=True)
    _print(new)
    return 0


def _show(args: argparse.Namespace) -> int:
    _print(load_trust_dir(args.trust)[0])
    return 0
