"""Online sync in the running hub: the cleanup context that starts the service (when
``online.central_url`` is set) and cancels it at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import AsyncIterator

from aiohttp import web

from hubd.sync_session.context import HubSync
from hubd.sync_session.online import WORK_FOLDER
from hubd.sync_session.online_service import OnlineSync
from hubd.web import keys

_LOGGER = logging.getLogger(__name__)


def _stick_busy(app: web.Application) -> bool:
    board = app.get(keys.STICKS)
    return board is not None and board.busy


async def online_sync_context(app: web.Application) -> AsyncIterator[None]:
    """Start the online sync service when central's address is set; stop it at shutdown."""
    config = app[keys.CONFIG]
    if not config.online.central_url:
        yield
        return
    # Whatever a cut round left behind is of no use: the next round starts from the last ack.
    await asyncio.to_thread(shutil.rmtree, config.data_dir / WORK_FOLDER, True)
    deps = app[keys.DEPS]
    hub = HubSync(
        config,
        app[keys.STORE],
        app[keys.CLOCK],
        app[keys.IDENTITY],
        app[keys.HUB_KEYS],
        deps.wall_ms,
    )
    service = OnlineSync(hub, config.online, stick_busy=lambda: _stick_busy(app))
    app[keys.ONLINE_SYNC] = service
    _LOGGER.info("Online sync with %s is on", config.online.central_url)
    task = asyncio.create_task(service.run(), name="hubd-online-sync")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
