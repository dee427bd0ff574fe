"""Running the daemon: start, tell systemd we are ready, stop cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from hubd.config import Config
from hubd.deps import Deps
from hubd.errors import HubError
from hubd.web.app import create_app

_LOGGER = logging.getLogger(__name__)


class PortInUse(HubError):
    code = "port_in_use"


async def serve(
    config: Config,
    deps: Deps | None = None,
    *,
    on_ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT (or `stop` is set); finish in-flight writes, then return."""
    deps = deps or Deps()
    app = create_app(config, deps)
    runner = web.AppRunner(
        app,
        handle_signals=False,
        shutdown_timeout=config.web.shutdown_grace_seconds,
        access_log=None,
    )
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await runner.setup()  # opens the database, migrates, checks: may raise HubError
        site = web.TCPSite(runner, config.web.host, config.web.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"Port {config.web.port} is already in use: stop the other program, or set "
                    "web.port (hubd demo: --port) to a free port."
                ) from None
            raise
        port = _bound_port(runner, config.web.port)
        url = f"http://{_display_host(config.web.host)}:{port}/"
        # Only now can the hub really serve: the database is open and the socket listens.
        deps.notifier.notify(f"READY=1\nSTATUS=Serving at {url}")
        _LOGGER.info("Learning Hub is serving at %s", url)
        if on_ready is not None:
            on_ready(url)
        await stop.wait()
        _LOGGER.info("Stopping: finishing requests in flight and queued writes")
        deps.notifier.notify("STOPPING=1")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runner.cleanup()
    _LOGGER.info("Stopped")


def _bound_port(runner: web.AppRunner, configured: int) -> int:
    # With port 0 (tests) the kernel picks one; report the real one.
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return configured


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104
