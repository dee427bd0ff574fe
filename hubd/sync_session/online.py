"""Online sync: a hub that reaches central over HTTP sends the same bundles as on a stick.

One round: write the progress bundle (bounded, so a slow link still makes progress round by
round), POST it as one stream, and apply the reply that comes back with the very same
:func:`apply_reply_bundle` a stick uses. A round that fails anywhere changes nothing that
matters (import is idempotent, acks only move forward) and is tried again, a bounded number of
times with growing pauses; the next round starts again from central's last ack.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp

from hubd.bundle import ReadPolicy, iter_bundle_stream, read_bundle_stream, write_enrolment
from hubd.errors import HubError
from hubd.sync_session.context import HubSync
from hubd.sync_session.progress_out import write_progress_bundle
from hubd.sync_session.reply_in import ReplyReport, apply_reply_bundle

_LOGGER = logging.getLogger(__name__)
ROUND_BUDGET_BYTES = 32 << 20
MAX_REPLY_BYTES = 1 << 30
WORK_FOLDER = "online"


class CentralUnreachable(HubError):
    """Central did not answer after every attempt; nothing was lost, it is tried later."""

    status = 503
    code = "central_unreachable"


class CentralRefused(HubError):
    """Central answered but refused the bundle (the message is central's reason)."""

    status = 502
    code = "central_refused"


async def sync_online(
    hub: HubSync,
    session: aiohttp.ClientSession,
    central_url: str,
    *,
    attempts: int = 5,
    first_pause: float = 2.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    budget_bytes: int = ROUND_BUDGET_BYTES,
) -> ReplyReport:
    """One sync round with central at `central_url` (e.g. ``https://central.example/``).

    Retries a failed connection or a server error up to `attempts` times, pausing
    `first_pause`, then twice as long each time; raises CentralUnreachable after the last, and
    CentralRefused when central refuses the bundle (not enrolled, damaged)."""
    work = hub.config.data_dir / WORK_FOLDER / secrets.token_hex(6)
    await asyncio.to_thread(work.mkdir, parents=True)
    try:
        if await write_progress_bundle(hub, work / "progress", budget_bytes) is None:
            raise CentralRefused("The sync round's budget holds no bundle.")
        pause = first_pause
        for attempt in range(1, attempts + 1):
            try:
                reply_stream = await _exchange(session, central_url, work)
                return await _apply(hub, reply_stream, work)
            except (aiohttp.ClientError, TimeoutError, _ServerError) as exc:
                _LOGGER.warning("Sync with central failed (attempt %d): %s", attempt, exc)
                if attempt == attempts:
                    raise CentralUnreachable(
                        "The online database did not answer; the hub will try again later."
                    ) from None
                await sleep(pause)
                pause *= 2
        raise AssertionError("unreachable")
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)


async def ask_to_join(hub: HubSync, session: aiohttp.ClientSession, central_url: str) -> str:
    """Send this hub's request to join (an ``enrol`` bundle) to central; returns central's words.

    Asking again is harmless: central answers that the hub had already asked. Raises
    CentralUnreachable when central does not answer and CentralRefused when it refuses."""
    work = hub.config.data_dir / WORK_FOLDER / secrets.token_hex(6)
    await asyncio.to_thread(work.mkdir, parents=True)
    try:
        await asyncio.to_thread(
            write_enrolment,
            hub.keys,
            work / "enrol",
            fleet=hub.trust().fleet,
            hub_name=hub.identity.name,
        )
        chunks = iter_bundle_stream(work / "enrol")

        async def stream() -> AsyncIterator[bytes]:
            while chunk := await asyncio.to_thread(next, chunks, b""):
                yield chunk

        url = central_url.rstrip("/") + "/api/v1/enrol"
        try:
            async with session.post(url, data=stream()) as response:
                detail = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            _LOGGER.warning("Request to join not delivered to central: %s", exc)
            raise CentralUnreachable(
                "The online database did not answer; the hub will try again later."
            ) from None
        if response.status != 202 or not isinstance(detail, dict):
            message = detail.get("error", {}).get("message", "") if isinstance(detail, dict) else ""
            raise CentralRefused(message or f"Central refused the request ({response.status}).")
        return str(detail.get("enrolment", ""))
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)


class _ServerError(Exception):
    pass


async def _exchange(session: aiohttp.ClientSession, central_url: str, work: Path) -> Path:
    """POST the progress stream; spool the reply stream to disk (bounded) and return it."""
    chunks = iter_bundle_stream(work / "progress")

    async def stream() -> AsyncIterator[bytes]:
        while chunk := await asyncio.to_thread(next, chunks, b""):
            yield chunk

    target = work / "reply.stream"
    async with session.post(central_url.rstrip("/") + "/api/v1/sync", data=stream()) as response:
        if response.status >= 500:
            raise _ServerError(f"central answered {response.status}")
        if response.status != 200:
            detail = await response.json(content_type=None)
            message = detail.get("error", {}).get("message", "") if isinstance(detail, dict) else ""
            raise CentralRefused(message or f"Central refused the bundle ({response.status}).")
        size = 0
        with target.open("wb") as out:
            async for chunk in response.content.iter_chunked(1 << 20):
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    raise CentralRefused("Central's reply is larger than a hub accepts.")
                await asyncio.to_thread(out.write, chunk)
    return target


async def _apply(hub: HubSync, reply_stream: Path, work: Path) -> ReplyReport:
    """Unpack the reply stream into a folder (checked as it goes) and apply it as a stick's."""
    policy = ReadPolicy(trust=hub.trust(), me=hub.keys.key_id, encryption_key=hub.keys.encryption)

    def unpack() -> Path:
        with reply_stream.open("rb") as stream:
            verified = read_bundle_stream(stream, work / "reply", policy, check_payload=False)
        return verified.folder

    folder = await asyncio.to_thread(unpack)
    return await apply_reply_bundle(hub, folder)
