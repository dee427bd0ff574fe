"""sd_notify: tell systemd when the hub is ready, and keep its watchdog fed.

Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Protocol

_LOGGER = logging.getLogger(__name__)


class Notifier(Protocol):
    def notify(self, state: str) -> bool: ...

    @property
    def watchdog_interval(self) -> float | None: ...


class SystemdNotifier:
    """Sends datagrams to systemd's notify socket."""

    def __init__(self, socket_path: str | None, watchdog_usec: int | None) -> None:
        if socket_path and socket_path.startswith("@"):
            socket_path = "\0" + socket_path[1:]  # abstract namespace
        self._path = socket_path
        self._watchdog_usec = watchdog_usec

    @property
    def watchdog_interval(self) -> float | None:
        """How often to ping: half of what systemd allows, as sd_watchdog_enabled advises."""
        if not self._watchdog_usec:
            return None
        return self._watchdog_usec / 2_000_000

    def notify(self, state: str) -> bool:
        if not self._path:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(self._path)
                sock.sendall(state.encode())
        except OSError as exc:
            _LOGGER.warning("Could not notify systemd (%s): %s", state.split("=")[0], exc)
            return False
        return True


def notifier_from_environment() -> SystemdNotifier:
    """The notifier systemd set up for this process, if any."""
    watchdog: int | None = None
    raw_usec = os.environ.get("WATCHDOG_USEC")
    raw_pid = os.environ.get("WATCHDOG_PID")
    if raw_usec and raw_usec.isdigit() and (raw_pid is None or raw_pid == str(os.getpid())):
        watchdog = int(raw_usec)
    return SystemdNotifier(os.environ.get("NOTIFY_SOCKET"), watchdog)
