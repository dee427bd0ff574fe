"""`hubd demo`: a hub with the sample courses in its own data directory, ready to click."""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from hubd.auth.hashing import hash_password
from hubd.config import Config, HubSection, WebSection, load_config, render_config
from hubd.content.blobs import BlobStore
from hubd.content.install import CourseAlreadyInstalled, install_folder
from hubd.datadir import ensure_data_dir
from hubd.deps import Deps
from hubd.fleet import hub_keys
from hubd.resources import samples_dir
from hubd.storage import people
from hubd.storage.identity import ensure_identity
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock

_LOGGER = logging.getLogger(__name__)

DEMO_LOGIN_FILE = "demo-login.txt"
DEMO_USERNAME = "teacher"
DEMO_LEARNERS = ("Amina", "Carlos", "Lina", "Yusuf", "María", "Oksana")


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str


def demo_config(data_dir: Path, port: int, host: str) -> Config:
    """The demo's configuration, written to (and then read from) its data directory."""
    config_path = data_dir / "hubd.toml"
    wanted = Config(
        hub=HubSection(name="Demo Learning Hub", data_dir=data_dir.resolve()),
        web=WebSection(host=host, port=port),
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    if not config_path.exists():
        config_path.write_text(render_config(wanted), encoding="utf-8")
    config = load_config(config_path)
    # Flags given on this run win over what an earlier run wrote.
    return Config(
        hub=HubSection(name=config.hub.name, data_dir=data_dir.resolve()),
        web=WebSection(
            host=host,
            port=port,
            max_request_bytes=config.web.max_request_bytes,
            shutdown_grace_seconds=config.web.shutdown_grace_seconds,
        ),
        storage=config.storage,
        logging=config.logging,
    )


async def prepare_demo(config: Config, deps: Deps) -> DemoLogin:
    """Install the sample courses and a teacher account and class, once."""
    ensure_data_dir(config, deps)
    store = await Store.open(config.database_path)
    clock = HybridClock()
    try:
        keys = hub_keys(config)
        identity = await store.write(
            ensure_identity(config.hub.name, clock, deps.wall_ms(), hub_id=keys.key_id)
        )
        blobs = BlobStore(config.blobs_dir)
        for folder in sorted(p for p in samples_dir().iterdir() if (p / "course.json").is_file()):
            try:
                report = await install_folder(store, blobs, clock, deps.wall_ms(), folder)
            except CourseAlreadyInstalled:
                continue
            _LOGGER.info("Installed sample course %s (%s)", report.title, report.course_id)
        async with store.reader() as db:
            has_staff = await people.count_staff(db) > 0
        login_file = config.data_dir / DEMO_LOGIN_FILE
        if not has_staff:
            password = secrets.token_urlsafe(9)
            await store.write(
                people.add_staff(
                    uuid.uuid4().hex,
                    DEMO_USERNAME,
                    "Demo Teacher",
                    hash_password(password),
                    "admin",
                    clock.now(deps.wall_ms()),
                )
            )
            group_id = uuid.uuid4().hex
            await store.write(
                people.add_group(group_id, "Class A", clock.now(deps.wall_ms()), sign_in="none")
            )
            for name in DEMO_LEARNERS:
                await store.write(
                    people.add_learner(
                        str(uuid.uuid4()),
                        name,
                        identity.hub_id,
                        clock.now(deps.wall_ms()),
                        group_id=group_id,
                    )
                )
            fd = os.open(login_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(f"{DEMO_USERNAME}\n{password}\n")
        if login_file.exists():
            username, password = login_file.read_text(encoding="utf-8").split("\n")[:2]
            return DemoLogin(username, password)
        return DemoLogin(DEMO_USERNAME, "(set on an earlier run; see hubd admin reset-password)")
    finally:
        await store.close()
