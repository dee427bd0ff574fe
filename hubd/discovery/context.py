"""Discovery as one resource of the web app: started after the database, stopped before it."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

import hubd
from hubd.discovery.records import HubAnnouncement, parse_interfaces
from hubd.discovery.service import HubDiscovery
from hubd.web import keys


async def discovery_context(app: web.Application) -> AsyncIterator[None]:
    """Announce the hub and browse for peers while it runs (`[discovery]` settings)."""
    settings = app[keys.CONFIG].discovery
    if not settings.enabled:
        yield
        return
    identity = app[keys.IDENTITY]
    discovery = HubDiscovery(
        HubAnnouncement(
            hub_id=identity.hub_id,
            name=identity.name,
            version=hubd.__version__,
            port=app[keys.CONFIG].web.port,
            host_name=settings.host_name,
        ),
        interfaces=parse_interfaces(settings.interfaces),
        address_check_seconds=settings.address_check_seconds,
    )
    await discovery.start()
    app[keys.DISCOVERY] = discovery
    try:
        yield
    finally:
        await discovery.stop()
