"""USB sticks in the running hub: the cleanup context that starts the watcher and the session
worker (and stops both), the appliers and producers a session uses, and ``/api/v1/sticks``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from hubd.bundle import ReadPolicy, bundle_folder_name, write_enrolment
from hubd.content.blobs import BlobStore
from hubd.content.from_bundle import install_content_bundle
from hubd.fleet import current_trust
from hubd.storage.sync_export import central_has_answered
from hubd.sync_session import (
    HubSync,
    NotInFleet,
    apply_reply_bundle,
    write_progress_bundle,
)
from hubd.usb import stick
from hubd.usb.devices import BlockDevice
from hubd.usb.handled import StoreHandledBundles, import_old_record
from hubd.usb.monitor import StickWatcher, UeventSignal
from hubd.usb.mounter import HelperMounter, Mounter
from hubd.usb.service import SignalHook, StickService
from hubd.usb.session import Applier, HubSide, Producer
from hubd.usb.status import StickBoard
from hubd.web import keys

_LOGGER = logging.getLogger(__name__)
WORK_FOLDER = "usb-work"
OLD_HANDLED_FILE = "usb-handled.json"  # before schema 30: carried into the database once
# One visit's progress bundle at most: ~1.8 million events at ~37 bytes each, and a stick on a
# route of ten hubs still needs only a fraction of a small stick. A stick without room for it
# is refused with "the stick is full" before anything is written.
PROGRESS_BUDGET_BYTES = 64 << 20

routes = web.RouteTableDef()


@routes.get("/api/v1/sticks")
async def sticks(request: web.Request) -> web.Response:
    """Sticks seen since the hub started: phase, progress, "safe to remove", what happened."""
    board = request.app.get(keys.STICKS) or StickBoard()
    return web.json_response({"busy": board.busy, "sticks": board.snapshot()})


def make_mounter(app: web.Application) -> Mounter:
    config = app[keys.CONFIG].usb
    given = app[keys.DEPS].stick_mounter
    if given is not None:
        return given
    if config.mounter == "command":
        return HelperMounter(command=config.helper_command)
    return HelperMounter(socket=config.helper_socket)


def hub_side(app: web.Application) -> HubSide:
    """What this hub brings to a session, read fresh for each stick (trust may have changed)."""
    deps = app[keys.DEPS]
    sync = HubSync(
        app[keys.CONFIG],
        app[keys.STORE],
        app[keys.CLOCK],
        app[keys.IDENTITY],
        app[keys.HUB_KEYS],
        deps.wall_ms,
    )
    return hub_side_for(sync, app[keys.BLOBS], deps.monotonic)


def hub_side_for(sync: HubSync, blobs: BlobStore, monotonic: Callable[[], float]) -> HubSide:
    """The same from the hub's parts: the daemon's, or those ``hubd sync-stick`` opens."""
    config, hub_keys = sync.config, sync.keys
    trust = current_trust(config)
    policy = None
    if trust is not None:
        policy = ReadPolicy(trust=trust, me=hub_keys.key_id, encryption_key=hub_keys.encryption)

    async def apply_content(folder: Path) -> str:
        report = await install_content_bundle(
            config, sync.store, blobs, sync.clock, sync.wall_ms(), hub_keys, folder
        )
        return f'Brought in: course "{report.course_id}" version {report.version}.'

    async def enrolment_request(staging: Path, outbox: Sequence[stick.Peek]) -> Path | None:
        """Until central answers, this hub's request to join rides on every stick."""
        if not config.fleet.id or any(p.kind == "enrol" for p in outbox):
            return None
        async with sync.store.reader() as db:
            if await central_has_answered(db):
                return None
        folder = staging / "enro-1"
        await asyncio.to_thread(
            write_enrolment, hub_keys, folder, fleet=config.fleet.id, hub_name=sync.identity.name
        )
        return folder

    async def apply_reply(folder: Path) -> str:
        """Central's answer: acks, learners who arrived from elsewhere, the signed time."""
        return (await apply_reply_bundle(sync, folder)).summary()

    async def progress(staging: Path, outbox: Sequence[stick.Peek]) -> Path | None:
        """Everything central has not acknowledged yet, oldest first; it replaces the
        progress bundle an earlier visit left in this hub's outbox."""
        if not config.fleet.id:
            return None
        unfinished = staging / "prog-new"
        try:
            manifest = await write_progress_bundle(sync, unfinished, PROGRESS_BUDGET_BYTES)
        except NotInFleet as exc:
            _LOGGER.info("No progress bundle for the stick: %s", exc.message)
            return None
        if manifest is None:
            return None
        folder = staging / bundle_folder_name(manifest)
        await asyncio.to_thread(unfinished.rename, folder)
        return folder

    appliers: dict[str, Applier] = {"content": apply_content, "reply": apply_reply}
    producers: list[Producer] = [enrolment_request, progress]
    return HubSide(
        hub_id=hub_keys.key_id,
        hub_name=sync.identity.name,
        fleet=config.fleet.id,
        policy=policy,
        work_dir=config.data_dir / WORK_FOLDER,
        appliers=appliers,
        producers=producers,
        handled=StoreHandledBundles(sync.store),
        monotonic=monotonic,
        wall_ms=sync.wall_ms,
    )


async def usb_context(app: web.Application) -> AsyncIterator[None]:
    """The stick watcher and the session worker: started together, cancelled and awaited."""
    config = app[keys.CONFIG]
    board = StickBoard()
    app[keys.STICKS] = board
    if config.usb.mounter == "off":
        yield
        return
    await asyncio.to_thread(shutil.rmtree, config.data_dir / WORK_FOLDER, True)
    await import_old_record(app[keys.STORE], config.data_dir / OLD_HANDLED_FILE)
    mounter = make_mounter(app)
    hook = SignalHook(config.usb.signal_command)
    board.listeners.append(hook)
    service = StickService(board, mounter, lambda: hub_side(app), files=app[keys.DEPS].stick_files)

    async def probe(device: BlockDevice) -> tuple[str, str]:
        return await mounter.probe(device.name)

    watcher = StickWatcher(
        UeventSignal(),
        service.on_change,
        probe,
        allow=tuple(config.usb.allow_devices.split()),
        stick_root=str(config.usb.mount_root),
        debounce=config.usb.debounce_seconds,
    )
    app[keys.STICK_SERVICE] = service
    app[keys.STICK_WATCHER] = watcher
    tasks = [
        asyncio.create_task(_guarded(watcher.run(), "USB stick watcher"), name="hubd-usb-watch"),
        asyncio.create_task(_guarded(service.run(), "USB stick sessions"), name="hubd-usb-sync"),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await hook.close()


async def _guarded(work: Coroutine[Any, Any, None], what: str) -> None:
    """A failure of the USB part is logged and never stops the hub from serving learners."""
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        _LOGGER.exception("%s stopped; sticks are not synced until the hub restarts", what)
