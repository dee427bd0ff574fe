"""Reading a bundle from a stick folder or an HTTP stream into a verified local copy.

Order matters: the small signed files first (signature checked before the manifest is parsed),
then every part is copied once from the untrusted source to ``work_dir`` while being hashed and
counted. From then on only the copy is used, so a stick that returns different bytes on a second
read cannot slip anything past the checks.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from hubd.bundle import errors
from hubd.bundle.errors import IncompleteBundle
from hubd.bundle.folder import BundleSource, FolderSource, is_temporary
from hubd.bundle.manifest import (
    MANIFEST_FILE,
    SIGNATURE_FILE,
    TRUST_FILE,
    TRUST_SIGNATURE_FILE,
    PartInfo,
)
from hubd.bundle.policy import Header, ReadPolicy, open_file_key, verify_header
from hubd.bundle.stream import StreamReader
from hubd.bundle.verified import VerifiedBundle


def read_bundle_folder(
    folder: Path, work_dir: Path, policy: ReadPolicy, *, check_payload: bool = True
) -> VerifiedBundle:
    """Verify the bundle in ``folder`` and copy it to ``work_dir`` (which must not exist).

    With ``check_payload`` (the default) every part is also decoded once, so a bundle that
    returns is known to decrypt, decompress and parse completely; a content bundle that goes
    straight to :func:`unpack_content` (which checks as it writes) may skip that pass.
    Raises :class:`IncompleteBundle` for a folder without its signature (an unfinished write:
    ignore it) and :class:`BundleError` with a plain reason for anything refused.
    """
    return read_bundle(FolderSource(folder), work_dir, policy, check_payload=check_payload)


def _read_small(source: BundleSource, name: str, cap: int) -> bytes:
    with source.open_member(name) as src:
        data = src.read(cap + 1)
    if len(data) > cap:
        raise errors.refuse(
            errors.MANIFEST_TOO_LARGE,
            f"The bundle's {name} is larger than allowed; it was not applied.",
        )
    return data


def read_bundle(
    source: BundleSource, work_dir: Path, policy: ReadPolicy, *, check_payload: bool = True
) -> VerifiedBundle:
    """Like :func:`read_bundle_folder`, from any :class:`BundleSource`."""
    limits = policy.limits
    present = [name for name in source.names() if not is_temporary(name)]
    lowered = [name.lower() for name in present]
    if len(set(lowered)) != len(lowered):
        raise errors.refuse(
            errors.PART_DUPLICATE,
            "The bundle folder holds two files whose names differ only in upper/lower case; "
            "it was not applied.",
        )
    if SIGNATURE_FILE not in present:
        raise IncompleteBundle(
            errors.MANIFEST_MISSING,
            "This folder holds no finished bundle (its signature is missing); it was ignored.",
        )
    if MANIFEST_FILE not in present:
        raise errors.refuse(
            errors.MANIFEST_MISSING, "The bundle's manifest is missing; it was not applied."
        )
    signature = _read_small(source, SIGNATURE_FILE, limits.max_signature_file_size)
    manifest_bytes = _read_small(source, MANIFEST_FILE, limits.max_manifest_size)
    trust_files = None
    if TRUST_FILE in present or TRUST_SIGNATURE_FILE in present:
        if not (TRUST_FILE in present and TRUST_SIGNATURE_FILE in present):
            raise errors.refuse(
                errors.PART_MISSING,
                "The bundle's trust document lacks its signature; it was not applied.",
            )
        trust_files = (
            _read_small(source, TRUST_FILE, limits.max_manifest_size),
            _read_small(source, TRUST_SIGNATURE_FILE, limits.max_signature_file_size),
        )
    header = verify_header(manifest_bytes, signature, trust_files, policy)
    part_names = [part.name for part in header.manifest.parts]
    for name in part_names:
        if name not in present:
            raise errors.refuse(
                errors.PART_MISSING,
                f"Part {name} of the bundle is missing from the stick; it was not applied.",
            )
    expected = {MANIFEST_FILE, SIGNATURE_FILE, *part_names}
    if trust_files is not None:
        expected |= {TRUST_FILE, TRUST_SIGNATURE_FILE}
    extra = sorted(set(present) - expected)
    if extra:
        raise errors.refuse(
            errors.PART_EXTRA,
            f"The bundle folder holds a file its manifest does not list ({extra[0]}); "
            "it was not applied.",
        )

    def copy_part(part: PartInfo, dest: Path) -> None:
        with source.open_member(part.name) as src:
            _copy_part(src.read, part, dest, limits.io_block, exact=False)

    bundle = _materialize(
        header, manifest_bytes, signature, trust_files, work_dir, policy, copy_part
    )
    return _checked(bundle, check_payload)


def read_bundle_stream(
    stream: BinaryIO, work_dir: Path, policy: ReadPolicy, *, check_payload: bool = True
) -> VerifiedBundle:
    """Verify a bundle arriving as one stream (see :mod:`hubd.bundle.stream`) into ``work_dir``.

    A synchronous reader: an async server can spool the body to a file first, or run this in
    a thread over a blocking reader.
    """
    limits = policy.limits
    reader = StreamReader(stream)
    reader.magic()

    def small(want: str, cap: int) -> bytes:
        member = reader.next_member()
        if member is None or member[0] != want:
            raise errors.refuse(
                errors.STREAM_INVALID,
                f"The bundle stream lacks its {want} where it belongs; it was not applied.",
            )
        if member[1] > cap:
            raise errors.refuse(
                errors.MANIFEST_TOO_LARGE,
                f"The bundle's {want} is larger than allowed; it was not applied.",
            )
        return reader.exact(member[1])

    first = reader.next_member()
    trust_files = None
    if first is not None and first[0] == TRUST_FILE:
        if first[1] > limits.max_manifest_size:
            raise errors.refuse(
                errors.MANIFEST_TOO_LARGE, "The bundle's trust document is too large."
            )
        trust_doc = reader.exact(first[1])
        trust_files = (trust_doc, small(TRUST_SIGNATURE_FILE, limits.max_signature_file_size))
        first = reader.next_member()
    if first is None or first[0] != MANIFEST_FILE or first[1] > limits.max_manifest_size:
        raise errors.refuse(
            errors.STREAM_INVALID,
            "The bundle stream does not start with a manifest of allowed size; it was not applied.",
        )
    manifest_bytes = reader.exact(first[1])
    signature = small(SIGNATURE_FILE, limits.max_signature_file_size)
    header = verify_header(manifest_bytes, signature, trust_files, policy)

    def copy_part(part: PartInfo, dest: Path) -> None:
        member = reader.next_member()
        if member is None or member[0] != part.name:
            raise errors.refuse(
                errors.PART_MISSING,
                f"Part {part.name} of the bundle is missing from the stream; it was not applied.",
            )
        if member[1] != part.size:
            code = errors.PART_TOO_LONG if member[1] > part.size else errors.PART_TOO_SHORT
            raise errors.refuse(
                code,
                f"Part {part.name} of the bundle is not the size its manifest declares; "
                "it was not applied.",
            )
        _copy_part(reader.read, part, dest, limits.io_block, exact=True)

    bundle = _materialize(
        header, manifest_bytes, signature, trust_files, work_dir, policy, copy_part
    )
    try:
        if reader.next_member() is not None:
            raise errors.refuse(
                errors.PART_EXTRA,
                "The bundle stream holds a part its manifest does not list; it was not applied.",
            )
        reader.expect_end()
    except BaseException:
        bundle.discard()
        raise
    return _checked(bundle, check_payload)


def _checked(bundle: VerifiedBundle, check_payload: bool) -> VerifiedBundle:
    if check_payload:
        try:
            bundle.check_payload()
        except BaseException:
            bundle.discard()
            raise
    return bundle


def _materialize(
    header: Header,
    manifest_bytes: bytes,
    signature: bytes,
    trust_files: tuple[bytes, bytes] | None,
    work_dir: Path,
    policy: ReadPolicy,
    copy_part: Callable[[PartInfo, Path], None],
) -> VerifiedBundle:
    """Unwrap the key, copy every part into ``work_dir``; on any failure leave nothing behind."""
    file_key = open_file_key(header.manifest, policy)
    work_dir.mkdir(mode=0o700, parents=False, exist_ok=False)
    try:
        for part in header.manifest.parts:
            copy_part(part, work_dir / part.name)
        (work_dir / MANIFEST_FILE).write_bytes(manifest_bytes)
        (work_dir / SIGNATURE_FILE).write_bytes(signature)
        if trust_files is not None:
            (work_dir / TRUST_FILE).write_bytes(trust_files[0])
            (work_dir / TRUST_SIGNATURE_FILE).write_bytes(trust_files[1])
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    return VerifiedBundle(
        manifest=header.manifest,
        folder=work_dir,
        trust=header.trust,
        trust_changed=header.trust != policy.trust,
        signers=header.signers,
        limits=policy.limits,
        file_key=file_key,
    )


def _copy_part(
    read: Callable[[int], bytes], part: PartInfo, dest: Path, block: int, *, exact: bool
) -> None:
    """Copy a part while hashing and counting; never read more than its size plus one byte."""
    sha = hashlib.sha256()
    copied = 0
    with dest.open("xb") as out:
        # One byte past the declared size tells "longer than declared" from "exactly right".
        limit = part.size if exact else part.size + 1
        while copied < limit:
            data = read(min(block, limit - copied))
            if not data:
                break
            copied += len(data)
            if copied > part.size:
                raise errors.refuse(
                    errors.PART_TOO_LONG,
                    f"Part {part.name} of the bundle is longer than its manifest declares; "
                    "it was not applied.",
                )
            sha.update(data)
            out.write(data)
    if copied < part.size:
        code = errors.STREAM_INVALID if exact else errors.PART_TOO_SHORT
        raise errors.refuse(
            code,
            f"Part {part.name} of the bundle is shorter than its manifest declares "
            "(cut short or damaged); it was not applied.",
        )
    if sha.hexdigest() != part.sha256:
        raise errors.refuse(
            errors.PART_HASH_MISMATCH,
            f"Part {part.name} of the bundle is damaged (its checksum does not match); "
            "it was not applied.",
        )
