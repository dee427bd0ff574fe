"""The stick service: a queue of inserted sticks, one session at a time, mount to unmount.

The watcher reports changes; new sticks wait their turn (two sticks at once are synced one after
the other), a pulled stick's session is cancelled. Whatever happens, the stick is unmounted and
the board says, in plain words, whether it finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
from collections.abc import Callable
from typing import ClassVar

from hubd.usb.devices import BlockDevice, Change, unreadable
from hubd.usb.mounter import Mounter, MountError
from hubd.usb.session import STEPS, HubSide, Session, Step, run_steps, status_entry
from hubd.usb.status import BUSY, StickBoard, StickState
from hubd.usb.stickfiles import LocalStickFiles, StickFiles

_LOGGER = logging.getLogger(__name__)
LOG_EVERY = 5.0
REMOVED_TOO_EARLY = (
    'Removed too early: the stick was pulled out before "safe to remove". Nothing on this hub '
    "was harmed; plug it in again to finish."
)
NOT_FLUSHED = (
    "The hub could not make sure everything reached the stick; plug it in again before "
    "taking it to the next hub."
)
HUB_STOPPING = "The hub was stopping before it finished; plug the stick in again to finish."

FilesFactory = Callable[[BlockDevice, "LocalStickFiles"], StickFiles]


class StickService:
    """Runs a sync session for each stick the watcher reports, one after the other."""

    def __init__(
        self,
        board: StickBoard,
        mounter: Mounter,
        hub: Callable[[], HubSide],
        *,
        steps: tuple[Step, ...] = STEPS,
        files: FilesFactory | None = None,
    ) -> None:
        self.board = board
        self._mounter = mounter
        self._hub = hub
        self._steps = steps
        self._files = files or (lambda _device, local: local)
        self._queue: asyncio.Queue[BlockDevice] = asyncio.Queue()
        self._queued: set[BlockDevice] = set()
        self._current: tuple[BlockDevice, asyncio.Task[None]] | None = None
        self._pulled: set[BlockDevice] = set()
        self.sessions = 0

    async def on_change(self, change: Change) -> None:
        """The watcher's callback: queue new sticks, cancel the session of a pulled one."""
        for device in change.removed:
            self._queued.discard(device)
            state = self.board.get(device.name)
            current = self._current
            if current is not None and current[0] == device and not current[1].done():
                _LOGGER.warning("Stick %s was removed during its sync", device.node)
                self._pulled.add(device)
                current[1].cancel()
            elif state is not None and (state.phase == "waiting" or state.phase not in BUSY):
                self.board.set_phase(state, "removed")
        for device in sorted(change.added, key=lambda d: d.name):
            problem = unreadable(device)
            if problem is not None:
                self._refuse(device, problem)
                continue
            ahead = self._current is not None or bool(self._queued)
            state = self.board.start(device.name, device.label, self._hub().monotonic())
            if ahead:
                self.board.set_phase(state, "waiting")
            self._queued.add(device)
            await self._queue.put(device)

    def _refuse(self, device: BlockDevice, problem: str) -> None:
        """A stick the hub cannot read: said on the board (and by the hook), never mounted."""
        _LOGGER.warning("Stick %s not synced: %s", device.node, problem)
        now = self._hub().monotonic()
        state = self.board.start(device.name, device.label, now)
        state.problems.append(problem)
        state.finished = now
        self.board.set_phase(state, "failed", problem)

    async def run(self) -> None:
        """Take sticks from the queue until cancelled."""
        while True:
            device = await self._queue.get()
            if device not in self._queued:
                continue  # pulled out while it waited for its turn
            self._queued.discard(device)
            task = asyncio.create_task(self.sync(device), name=f"stick-{device.name}")
            self._current = (device, task)
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if not task.done():  # the service itself is stopping
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                    raise
            finally:
                self._current = None
                self._pulled.discard(device)

    async def sync(self, device: BlockDevice) -> None:
        """Mount, run every step, write the outcome, unmount; never raises for a stick problem."""
        hub = self._hub()
        state = self.board.get(device.name) or self.board.start(
            device.name, device.label, hub.monotonic()
        )
        self.sessions += 1
        state.results.clear()
        state.problems.clear()
        state.started = hub.monotonic()
        self.board.set_phase(state, "opening")
        mounted = None
        outcome = "failed"
        try:
            mounted = await self._mounter.mount(device.name)
            fold_case = mounted.fs_type in ("vfat", "exfat")
            files = self._files(device, LocalStickFiles(mounted.mount_point, fold_case=fold_case))
            session = Session(
                files=files,
                hub=hub,
                read_only=mounted.read_only,
                report=lambda phase, msg: self.board.set_phase(state, phase, msg),
                progress=_progress_reporter(state, hub.monotonic, device.name),
            )
            try:
                if await run_steps(session, self._steps):
                    outcome = "done"
            finally:
                state.results[:] = session.results
                state.problems[:] = session.problems
                if outcome != "done":
                    _LOGGER.warning("Stick %s: %s", device.node, " ".join(session.problems))
                _LOGGER.info(
                    "Stick %s visit: %s", device.node, " | ".join(status_entry(session)).strip()
                )
        except MountError as exc:
            state.problems.append(exc.message)
            _LOGGER.warning("Stick %s could not be opened: %s", device.node, exc.message)
        except asyncio.CancelledError:
            pulled = device in self._pulled
            state.problems.append(REMOVED_TOO_EARLY if pulled else HUB_STOPPING)
            await self._close(device, True)  # a mount may have been under way
            self._finish(state, "failed", hub.monotonic(), REMOVED_TOO_EARLY if pulled else "")
            raise
        except Exception:
            _LOGGER.exception("Stick %s: unexpected failure", device.node)
            state.problems.append("The hub hit an unexpected problem; see the hub's log.")
        if not await self._close(device, mounted is not None):
            outcome = "failed"
        self._finish(state, outcome, hub.monotonic())

    async def _close(self, device: BlockDevice, mounted: bool) -> bool:
        """Unmount; False when what was written may not have reached the stick."""
        if not mounted:
            return True
        self.board.set_phase(self.board.get(device.name) or StickState(device.name), "closing")
        try:
            flushed = await asyncio.shield(self._mounter.unmount(device.name))
        except MountError as exc:
            _LOGGER.warning("Stick %s could not be unmounted: %s", device.node, exc.message)
            return True
        if not flushed:
            _LOGGER.warning("Stick %s: its FUSE program was still writing after 30 s", device.node)
            state = self.board.get(device.name)
            if state is not None:
                state.problems.append(NOT_FLUSHED)
        return flushed

    def _finish(self, state: StickState, outcome: str, now: float, message: str = "") -> None:
        state.finished = now
        state.progress.now = now
        if outcome == "done" and not state.problems:
            self.board.set_phase(state, "done", "Done: safe to remove.")
        elif outcome == "done":
            self.board.set_phase(state, "done", "Done, with problems: safe to remove.")
        else:
            self.board.set_phase(state, "failed", message)
        _LOGGER.info("Stick %s: %s after %.1f s", state.device, state.message, now - state.started)


def _progress_reporter(
    state: StickState, monotonic: Callable[[], float], name: str
) -> Callable[[int, int], None]:
    """Keep the state's progress current; log it every few seconds and when a copy ends."""
    last = [float("-inf")]

    def report(done: int, total: int) -> None:
        p = state.progress
        now = monotonic()
        if total != p.total or done < p.done:
            p.started, last[0] = now, now
        finished = p.done < total <= done
        p.total, p.done, p.now = total, done, now
        if finished or now - last[0] >= LOG_EVERY:
            last[0] = now
            _LOGGER.info("Stick %s: %s %s", name, state.phase, p.describe())

    return report


class SignalHook:
    """Runs the configured command (LED, buzzer) with the stick's signal as its argument."""

    SIGNALS: ClassVar[dict[str, str]] = {
        "opening": "busy",
        "done": "done",
        "failed": "failed",
        "removed": "idle",
    }

    def __init__(self, command: str) -> None:
        self._argv = shlex.split(command)
        self.tasks: set[asyncio.Task[None]] = set()

    def __call__(self, state: StickState) -> None:
        signal = self.SIGNALS.get(state.phase)
        if not self._argv or signal is None:
            return
        task = asyncio.get_running_loop().create_task(self._run(signal, state.device))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, signal: str, device: str) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *self._argv,
                signal,
                device,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            async with asyncio.timeout(30):
                code = await process.wait()
            if code != 0:
                _LOGGER.warning("Signal command for %s exited with %d", signal, code)
        except (OSError, TimeoutError) as exc:
            _LOGGER.warning("Signal command for %s failed: %s", signal, exc)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
