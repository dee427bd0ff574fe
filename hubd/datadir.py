"""The data directory: where the database and course files live."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets

from hubd.config import Config
from hubd.deps import Deps
from hubd.errors import DataDirError

_LOGGER = logging.getLogger(__name__)


def ensure_data_dir(config: Config, deps: Deps) -> None:
    """Make sure the data directory exists and can be written; warn when space runs low."""
    data_dir = config.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(
            f"The data directory {data_dir} cannot be created ({exc.strerror}). Create it and "
            "give it to the user hubd runs as, or set hub.data_dir in the configuration."
        ) from None
    if not data_dir.is_dir():
        raise DataDirError(f"The data directory {data_dir} is not a directory. Set hub.data_dir.")
    probe = data_dir / f".write-test-{secrets.token_hex(4)}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"x")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno == 28:  # ENOSPC
            raise DataDirError(
                f"The disk holding {data_dir} is full. Free some space (remove old courses or "
                "files on the SD card), then start the hub again."
            ) from None
        raise DataDirError(
            f"The data directory {data_dir} cannot be written ({exc.strerror}). Give it to the "
            "user hubd runs as (chown), or set hub.data_dir to a writable place."
        ) from None
    finally:
        with contextlib.suppress(OSError):  # a read-only filesystem refuses even this
            probe.unlink(missing_ok=True)
    free_mb = deps.disk_usage(data_dir).free // (1 << 20)
    if free_mb < config.storage.min_free_mb:
        _LOGGER.warning(
            "Only %d MB free for %s (storage.min_free_mb is %d): progress may soon not be saved",
            free_mb,
            data_dir,
            config.storage.min_free_mb,
        )
