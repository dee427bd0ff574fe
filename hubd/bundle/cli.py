"""``hubd bundle ...``: tools for the programme's operators (keys, trust, packing, checking).

Each command prints what it did on stdout; a failure prints one plain sentence on stderr and
returns a non-zero exit code. Private keys are never printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hubd.bundle import cli_trust
from hubd.bundle.cli_common import (
    describe,
    load_trust_dir,
    open_any,
    pub_line,
    read_for_cli,
    run_safely,
)
from hubd.bundle.content import pack_content, unpack_content
from hubd.bundle.enrol import read_enrolment, write_enrolment
from hubd.bundle.keys import (
    ensure_hub_identity,
    generate_hub_identity,
    key_id,
    load_hub_identity,
    load_signing_key,
    save_hub_identity,
    write_private_key,
    write_public_key,
)
from hubd.bundle.manifest import MANIFEST_FILE, SIGNATURE_FILE, parse_manifest
from hubd.bundle.signatures import (
    MANIFEST_DOMAIN,
    encode_signatures,
    parse_signatures,
    sign,
    verify_all,
)
from hubd.bundle.stream import write_bundle_stream

Handler = Callable[[argparse.Namespace], int]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``bundle`` command and its sub-commands; each sets ``func`` on its namespace."""
    bundle = subparsers.add_parser("bundle", help="make, sign and check bundles")
    bundle.set_defaults(func=_usage(bundle))
    sub = bundle.add_subparsers(dest="bundle_command", metavar="COMMAND")

    p = sub.add_parser("keygen", help="make a key pair (private file 0600, public file .pub)")
    p.add_argument("--out", type=Path, required=True, help="private key file, or folder (--hub)")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--hub", action="store_true", help="a hub identity (two keys) in a folder")
    kind.add_argument("--encryption", action="store_true", help="an X25519 key (central's)")
    p.set_defaults(func=run_safely(_keygen))

    p = sub.add_parser("inspect", help="show a bundle's manifest without trusting it")
    p.add_argument("bundle", type=Path, help="bundle folder or stream file")
    p.set_defaults(func=run_safely(_inspect))

    p = sub.add_parser("verify", help="check a bundle completely, as a hub or central would")
    p.add_argument("bundle", type=Path, help="bundle folder or stream file")
    _add_policy_args(p)
    p.set_defaults(func=run_safely(_verify))

    p = sub.add_parser("pack-content", help="pack a course folder into a signed content bundle")
    p.add_argument("course", type=Path, help="course package folder (with course.json)")
    p.add_argument("--out", type=Path, required=True, help="bundle folder to create")
    p.add_argument("--trust", type=Path, required=True, help="folder with trust.json/trust.sig")
    p.add_argument("--key", type=Path, action="append", required=True, help="content key(s)")
    p.add_argument("--sequence", type=int, required=True, help="next content sequence number")
    p.add_argument("--recipient", default="*", help="a hub's key id, or * for all (default)")
    p.set_defaults(func=run_safely(_pack_content))

    p = sub.add_parser("unpack-content", help="verify a content bundle and unpack its course")
    p.add_argument("bundle", type=Path)
    p.add_argument("--out", type=Path, required=True, help="course folder to create")
    _add_policy_args(p)
    p.set_defaults(func=run_safely(_unpack_content))

    p = sub.add_parser("sign", help="add a signature to a bundle (for thresholds above 1)")
    p.add_argument("bundle", type=Path, help="bundle folder")
    p.add_argument("--key", type=Path, required=True, help="private signing key")
    p.set_defaults(func=run_safely(_sign))

    p = sub.add_parser("enrol", help="write this hub's enrolment request bundle")
    p.add_argument("--identity", type=Path, required=True, help="hub key folder (made if absent)")
    p.add_argument("--fleet", required=True)
    p.add_argument("--name", default="", help="a name for the hub, shown to the approver")
    p.add_argument("--out", type=Path, required=True, help="bundle folder to create")
    p.set_defaults(func=run_safely(_enrol))

    p = sub.add_parser("to-stream", help="write a bundle folder as one stream file (for HTTP)")
    p.add_argument("bundle", type=Path)
    p.add_argument("out", type=Path)
    p.set_defaults(func=run_safely(_to_stream))

    cli_trust.add_trust_parser(sub)


def _usage(parser: argparse.ArgumentParser) -> Handler:
    def show(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return show


def _add_policy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trust", type=Path, help="folder with the fleet's trust.json/trust.sig")
    p.add_argument("--root", type=Path, help="the fleet root's public key file (a pin)")
    p.add_argument("--fleet", help="fleet name (with --root)")
    p.add_argument("--identity", type=Path, help="read as this hub (its key folder)")
    p.add_argument("--central-key", type=Path, help="read as central, with this X25519 key")
    p.add_argument(
        "--enrolled", action="append", default=[], help="key id of an enrolled hub (central)"
    )


def _keygen(args: argparse.Namespace) -> int:
    out: Path = args.out
    if args.hub:
        identity = generate_hub_identity()
        save_hub_identity(out, identity)
        print(f"hub identity written to {out} (private files mode 0600)")
        print(f"key id:         {identity.key_id}")
        print(f"signing key:    ed25519:{identity.signing_public_hex}")
        print(f"encryption key: x25519:{identity.encryption_public_hex}")
        return 0
    key: Ed25519PrivateKey | X25519PrivateKey = (
        X25519PrivateKey.generate() if args.encryption else Ed25519PrivateKey.generate()
    )
    write_private_key(out, key)
    pub_path = out.with_name(out.stem + ".pub")
    write_public_key(pub_path, key.public_key())
    print(f"private key written to {out} (mode 0600); public key in {pub_path}")
    print(pub_line(key.public_key()))
    return 0


def _inspect(args: argparse.Namespace) -> int:
    manifest_bytes, signature_bytes = open_any(args.bundle)
    signatures = parse_signatures(signature_bytes, "bundle's manifest")
    for sig in signatures:
        try:
            verify_all(MANIFEST_DOMAIN, manifest_bytes, [sig], "bundle's manifest")
            state = "valid"
        except Exception:
            state = "DOES NOT MATCH"
        print(f"signature by key {sig.key_id}: {state}")
    print("(signatures shown, not trusted: use `hubd bundle verify` to check a bundle)")
    print(describe(parse_manifest(manifest_bytes)))
    return 0


def _verify(args: argparse.Namespace) -> int:
    with read_for_cli(args) as bundle:
        print(describe(bundle.manifest))
        print(f"signed by: {', '.join(bundle.signers)}")
        if bundle.manifest.kind == "enrol":
            request = read_enrolment(bundle)
            print(f"enrolment request from hub {request.key_id} ({request.hub_name or 'no name'})")
        print("OK: the bundle is intact, correctly signed and meant for this reader.")
    return 0


def _unpack_content(args: argparse.Namespace) -> int:
    with read_for_cli(args, check_payload=False) as bundle:
        files = unpack_content(bundle, args.out)
    print(f"unpacked {len(files)} files into {args.out}")
    return 0


def _pack_content(args: argparse.Namespace) -> int:
    doc, trust_files = load_trust_dir(args.trust)
    keys = [load_signing_key(path) for path in args.key]
    manifest = pack_content(
        args.course,
        args.out,
        fleet=doc.fleet,
        sequence=args.sequence,
        signing_keys=keys,
        trust_files=trust_files,
        recipient=args.recipient,
    )
    print(f"content bundle written to {args.out}")
    print(describe(manifest))
    return 0


def _sign(args: argparse.Namespace) -> int:
    folder: Path = args.bundle
    data = (folder / MANIFEST_FILE).read_bytes()
    signatures = parse_signatures((folder / SIGNATURE_FILE).read_bytes(), "bundle's manifest")
    verify_all(MANIFEST_DOMAIN, data, signatures, "bundle's manifest")
    key = load_signing_key(args.key)
    new = sign(MANIFEST_DOMAIN, data, key)
    if any(sig.public_key_hex == new.public_key_hex for sig in signatures):
        print(f"key {key_id(key.public_key())} has already signed this bundle")
        return 0
    tmp = folder / (SIGNATURE_FILE + ".tmp")
    tmp.write_bytes(encode_signatures([*signatures, new]))
    # An operator's workstation, not a FAT stick: replacing the marker in one rename is safe.
    tmp.replace(folder / SIGNATURE_FILE)
    print(f"added signature by key {key_id(key.public_key())}; {len(signatures) + 1} in total")
    return 0


def _enrol(args: argparse.Namespace) -> int:
    identity_dir: Path = args.identity
    identity = (
        load_hub_identity(identity_dir)
        if (identity_dir / "signing.key").exists()
        else ensure_hub_identity(identity_dir)
    )
    write_enrolment(identity, args.out, fleet=args.fleet, hub_name=args.name)
    print(f"enrolment request for hub {identity.key_id} written to {args.out}")
    return 0


def _to_stream(args: argparse.Namespace) -> int:
    with args.out.open("xb") as out:
        write_bundle_stream(args.bundle, out)
    print(f"bundle stream written to {args.out}")
    return 0
