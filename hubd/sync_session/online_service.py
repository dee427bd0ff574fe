"""The daemon's online sync: when central's address is set, look now and then whether central
answers, and when it does, sync with it by itself.

The hub is usually offline, so a look is one short TCP connection attempt, and the pause
between looks doubles after every miss (up to a bound). When central answers, the hub runs
rounds of :func:`sync_online` (the very code a stick's exchange uses) until nothing is left to
send and nothing new comes back, then waits the configured interval. Never two rounds at once,
and no round starts while a USB stick is being synced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import aiohttp

from hubd.config import OnlineSection
from hubd.errors import HubError
from hubd.storage.sync_export import (
    central_has_answered,
    count_unacknowledged,
    log_state,
    read_snapshot,
)
from hubd.sync_session.context import HubSync, NotInFleet
from hubd.sync_session.online import (
    CentralRefused,
    CentralUnreachable,
    ask_to_join,
    sync_online,
)

_LOGGER = logging.getLogger(__name__)
#: Rounds in one visit at most (each carries up to 32 MiB); the rest waits for the next visit.
MAX_ROUNDS = 20
CONNECT_TIMEOUT = 5.0

Outcome = Literal["synced", "unreachable", "refused", "failed"]


@dataclass(frozen=True, slots=True)
class OnlineResult:
    """How the last look at central ended, for the admin page."""

    hlc: int  # when, on the hub's hybrid clock (the wall clock may read 1970)
    outcome: Outcome
    detail: str  # a plain sentence for the teacher or technician


class OnlineSync:
    """The online sync service: one per hub, run by the app's cleanup context."""

    def __init__(
        self,
        hub: HubSync,
        settings: OnlineSection,
        *,
        stick_busy: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        attempts: int = 3,
        first_pause: float = 2.0,
    ) -> None:
        self.hub = hub
        self.url = settings.central_url
        self.settings = settings
        self.last: OnlineResult | None = None
        self.visits = 0
        self.misses = 0  # looks in a row that did not sync
        self._stick_busy = stick_busy
        self._sleep = sleep
        self._attempts = attempts
        self._first_pause = first_pause
        self._lock = asyncio.Lock()
        self._changed = asyncio.Condition()

    async def run(self) -> None:
        """Look, sync, pause; until cancelled. Failures are logged and tried again later."""
        timeout = aiohttp.ClientTimeout(total=600, sock_connect=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                try:
                    pause = await self.visit(session)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    _LOGGER.exception("Online sync failed unexpectedly; trying again later")
                    pause = await self._record("failed", "Online sync failed; see the log.")
                await self._sleep(pause)

    async def visit(self, session: aiohttp.ClientSession) -> float:
        """One look at central, and rounds while it answers; returns the pause before the next."""
        if self._stick_busy():
            _LOGGER.info("A USB stick is being synced; online sync waits for it")
            return self.settings.check_seconds
        async with self._lock:
            if not await self._reachable():
                _LOGGER.warning(
                    "Central at %s cannot be reached; looking again in %.0f s",
                    self.url,
                    self._miss_pause(self.misses + 1),
                )
                return await self._record(
                    "unreachable", "The online database could not be reached."
                )
            try:
                detail = await self._rounds(session)
            except CentralUnreachable as exc:
                _LOGGER.warning("Online sync with %s interrupted: %s", self.url, exc.message)
                return await self._record("unreachable", exc.message)
            except (CentralRefused, NotInFleet) as exc:
                _LOGGER.warning("Online sync with %s refused: %s", self.url, exc.message)
                return await self._record("refused", exc.message)
            except HubError as exc:
                _LOGGER.warning("Online sync with %s failed: %s", self.url, exc.message)
                return await self._record("failed", exc.message)
            return await self._record("synced", detail)

    async def wait_for(self, done: Callable[[OnlineSync], bool], bound: float) -> None:
        """Wait (at most `bound` seconds) until `done(self)` holds; for tests and tools."""
        async with asyncio.timeout(bound), self._changed:
            await self._changed.wait_for(lambda: done(self))

    async def _rounds(self, session: aiohttp.ClientSession) -> str:
        async with self.hub.store.reader() as db:
            answered = await central_has_answered(db)
        if not answered:
            said = await ask_to_join(self.hub, session, self.url)
            _LOGGER.info("Request to join sent to central: %s", said)
        summary = ""
        for number in range(1, MAX_ROUNDS + 1):
            report = await sync_online(
                self.hub,
                session,
                self.url,
                attempts=self._attempts,
                first_pause=self._first_pause,
                sleep=self._sleep,
            )
            summary = report.summary()
            _LOGGER.info("Online sync round %d with %s: %s", number, self.url, summary)
            waiting = await asyncio.to_thread(_waiting, self.hub)
            if waiting == 0 and report.events_added + report.changes_added == 0:
                break
        return summary

    async def _reachable(self) -> bool:
        """Whether central's host accepts a TCP connection (one cheap attempt)."""
        parts = urlsplit(self.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                _, writer = await asyncio.open_connection(parts.hostname, port)
        except (OSError, TimeoutError) as exc:
            _LOGGER.debug("Central at %s: %s", self.url, exc)
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True

    def _miss_pause(self, misses: int) -> float:
        pause = self.settings.check_seconds * 2 ** min(max(misses - 1, 0), 30)
        return float(min(pause, self.settings.max_pause_seconds))

    async def _record(self, outcome: Outcome, detail: str) -> float:
        hlc = self.hub.clock.now(self.hub.wall_ms())
        async with self._changed:
            self.last = OnlineResult(hlc, outcome, detail)
            self.visits += 1
            self.misses = 0 if outcome == "synced" else self.misses + 1
            self._changed.notify_all()
        if outcome == "synced":
            return self.settings.interval_seconds
        return self._miss_pause(self.misses)


def _waiting(hub: HubSync) -> int:
    with read_snapshot(hub.store.path) as conn:
        return count_unacknowledged(conn, log_state(conn))
