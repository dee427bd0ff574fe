"""Hashing learners' card secrets (PIN and pictures) in the background.

Importing a class of 1,000 takes seconds because the slow part, one argon2id hash per secret,
happens here afterwards, a few at a time, so the hub keeps serving the children meanwhile.
After a restart it simply carries on with whatever is still pending.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from hubd.auth.hashing import hash_learner_secret
from hubd.storage import roster
from hubd.storage.store import Store

_LOGGER = logging.getLogger(__name__)
BATCH = 16


def _hash(secret: roster.PendingSecret) -> tuple[str | None, str | None]:
    """Only the secret the learner's group signs in with: half the work, and a card's other
    secret cannot open the account."""
    pin = hash_learner_secret(secret.pin) if secret.pin and secret.sign_in == "pin" else None
    pictures = (
        hash_learner_secret(secret.pictures)
        if secret.pictures and secret.sign_in == "picture"
        else None
    )
    return pin, pictures


def _store_all(
    results: Sequence[tuple[roster.PendingSecret, tuple[str | None, str | None]]],
) -> roster.WriteFn[int]:
    def write(conn: sqlite3.Connection) -> int:
        return sum(roster.store_hashes(s, pin, pic)(conn) for s, (pin, pic) in results)

    return write


class SecretHasher:
    """Makes the hashes of pending card secrets; `wake()` after saving new ones."""

    def __init__(self, workers: int = 2) -> None:
        self._workers = workers
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()

    def wake(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        """Return once nothing is pending (for tests and the import page)."""
        await self._idle.wait()

    async def run(self, store: Store) -> None:
        loop = asyncio.get_running_loop()
        executor = ThreadPoolExecutor(self._workers, thread_name_prefix="hubd-secrets")
        try:
            while True:
                self._wake.clear()
                try:
                    async with store.reader() as db:
                        batch = await roster.pending_secrets(db, BATCH)
                    if batch:
                        hashes = await asyncio.gather(
                            *(loop.run_in_executor(executor, _hash, secret) for secret in batch)
                        )
                        await store.write(_store_all(list(zip(batch, hashes, strict=True))))
                        continue
                except Exception:  # a full disk, say: try again on the next change
                    _LOGGER.exception("Could not prepare learners' sign-in secrets")
                self._idle.set()
                await self._wake.wait()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


async def secret_hasher_context(hasher: SecretHasher, store: Store) -> AsyncIterator[None]:
    """Run the hasher while the hub runs; stop it (and its threads) at shutdown."""
    task = asyncio.create_task(hasher.run(store), name="hubd-secret-hasher")
    try:
        yield
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:
            _LOGGER.exception("The sign-in secret hasher failed")
