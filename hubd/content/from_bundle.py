"""Installing a course that arrived as a signed content bundle (on a stick, or uploaded).

Order matters: the bundle is verified and copied to the hub's own disk before anything is
read from it; the course is unpacked from that copy (each file's hash checked as written);
then the course and the bundle's sequence number are committed in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from pathlib import Path

from hubd.bundle import BundleError, HubIdentity, ReadPolicy, read_bundle_folder, unpack_content
from hubd.config import Config
from hubd.content.blobs import BlobStore
from hubd.content.install import InstallReport, install_folder
from hubd.errors import HubError
from hubd.fleet import current_trust, save_trust
from hubd.storage.catalogue import BundleSequence
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock

_LOGGER = logging.getLogger(__name__)
WORK_FOLDER = "incoming"


class BundleRefused(HubError):
    """A bundle that was not applied, with the reason a technician can read."""

    status = 422
    code = "bundle_refused"


async def install_content_bundle(
    config: Config,
    store: Store,
    blobs: BlobStore,
    clock: HybridClock,
    wall_ms: int,
    hub: HubIdentity,
    bundle_folder: Path,
) -> InstallReport:
    """Verify a content bundle folder and install the course in it, or refuse it whole."""
    trust = current_trust(config)
    if trust is None:
        raise BundleRefused(
            "This hub belongs to no fleet (fleet.id is not set), so it cannot check bundles; "
            "the bundle was not applied."
        )
    work_root = config.data_dir / WORK_FOLDER
    work_root.mkdir(exist_ok=True)
    token = secrets.token_hex(6)
    copy, course = work_root / f"bundle-{token}", work_root / f"course-{token}"
    policy = ReadPolicy(trust=trust, me=hub.key_id)
    try:
        verified = await asyncio.to_thread(
            read_bundle_folder, bundle_folder, copy, policy, check_payload=False
        )
        try:
            manifest = verified.manifest
            if manifest.kind != "content":
                raise BundleRefused(
                    f"This is a {manifest.kind} bundle, not a course; it was not applied here."
                )
            await asyncio.to_thread(unpack_content, verified, course)
            sequence = BundleSequence(manifest.issuer, manifest.kind, manifest.sequence)
            report = await install_folder(store, blobs, clock, wall_ms, course, bundle=sequence)
            if verified.trust_changed:
                await asyncio.to_thread(save_trust, config, verified.trust)
        finally:
            verified.discard()
    except BundleError as exc:
        _LOGGER.warning("Content bundle %s refused: %s (%s)", bundle_folder, exc.reason, exc.code)
        raise BundleRefused(exc.reason, code=exc.code) from None
    finally:
        await asyncio.to_thread(shutil.rmtree, course, True)
        await asyncio.to_thread(shutil.rmtree, copy, True)
    _LOGGER.info(
        "Installed %s version %d from bundle %s",
        report.course_id,
        report.version,
        manifest.bundle_id,
    )
    return report
