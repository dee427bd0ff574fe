"""How hubd (not root) gets a stick mounted: it asks the privileged helper.

:class:`HelperMounter` speaks the helper's one-line JSON protocol either over the socket
systemd listens on (``hubd-stick.socket``, production) or by starting the helper as a child
process (tests and development, as root). Tests pass other :class:`Mounter` implementations
through :class:`hubd.deps.Deps`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from hubd.errors import HubError

MAX_ANSWER = 4096
_LOGGER = logging.getLogger(__name__)


class MountError(HubError):
    """The helper refused or failed; ``message`` is for the technician."""

    status = 503
    code = "stick_mount"


@dataclass(frozen=True, slots=True)
class Mounted:
    """A mounted stick: where, which filesystem, and whether it could only be read."""

    mount_point: Path
    fs_type: str
    read_only: bool
    label: str = ""


class Mounter(Protocol):
    """Probe, mount and unmount sticks by kernel name."""

    async def probe(self, name: str) -> tuple[str, str]:
        """The filesystem type and label on the device."""
        ...

    async def mount(self, name: str) -> Mounted:
        """Mount the device at its fixed place."""
        ...

    async def unmount(self, name: str) -> bool:
        """Unmount it (lazily if the stick is already gone); False when what was written may
        not have reached the stick yet (a FUSE program still busy)."""
        ...


class HelperMounter:
    """Talks to the helper through ``socket`` or, if ``command`` is given, a child process."""

    def __init__(self, *, socket: Path | None = None, command: str = "", timeout: float = 90.0):
        self._socket = socket
        self._command = shlex.split(command)
        self._timeout = timeout

    async def _ask(self, op: str, name: str) -> dict[str, Any]:
        request = (json.dumps({"op": op, "device": name}) + "\n").encode()
        try:
            async with asyncio.timeout(self._timeout):
                if self._command:
                    line = await self._ask_process(request)
                else:
                    line = await self._ask_socket(request)
        except TimeoutError:
            raise MountError("The stick helper did not answer in time.") from None
        except OSError as exc:
            raise MountError(
                f"The stick helper cannot be reached ({exc.strerror or exc}); "
                "is hubd-stick.socket enabled?"
            ) from None
        try:
            answer = json.loads(line)
        except ValueError:
            raise MountError(
                "The stick helper gave an answer the hub does not understand."
            ) from None
        if not isinstance(answer, dict):
            raise MountError("The stick helper gave an answer the hub does not understand.")
        if not answer.get("ok"):
            if answer.get("detail"):
                _LOGGER.warning("Stick helper, %s %s: %s", op, name, str(answer["detail"])[:500])
            raise MountError(
                str(answer.get("error", "The stick helper refused.")),
                code=f"stick_{answer.get('code', 'refused')}",
            )
        return answer

    async def _ask_socket(self, request: bytes) -> bytes:
        assert self._socket is not None
        reader, writer = await asyncio.open_unix_connection(self._socket)
        try:
            writer.write(request)
            await writer.drain()
            return await reader.readline()
        finally:
            writer.close()
            await writer.wait_closed()

    async def _ask_process(self, request: bytes) -> bytes:
        process = await asyncio.create_subprocess_exec(
            *self._command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            out, _ = await process.communicate(request)
        except asyncio.CancelledError:
            process.kill()
            await process.wait()
            raise
        return out[:MAX_ANSWER]

    async def probe(self, name: str) -> tuple[str, str]:
        answer = await self._ask("probe", name)
        return str(answer.get("fs_type", "")), str(answer.get("label", ""))

    async def mount(self, name: str) -> Mounted:
        answer = await self._ask("mount", name)
        return Mounted(
            mount_point=Path(str(answer["mount_point"])),
            fs_type=str(answer.get("fs_type", "")),
            read_only=bool(answer.get("read_only")),
            label=str(answer.get("label", "")),
        )

    async def unmount(self, name: str) -> bool:
        answer = await self._ask("unmount", name)
        return bool(answer.get("flushed", True))
