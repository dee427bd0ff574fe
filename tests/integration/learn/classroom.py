"""A classroom for learner tests: groups with each sign-in style, learners, a course."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestClient

from hubd.auth.hashing import hash_learner_secret
from hubd.storage import people
from hubd.web import keys

HubClient = TestClient[web.Request, web.Application]
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Pupil:
    learner_id: str
    name: str
    group_id: str
    pin: str | None = None
    pictures: tuple[str, str] | None = None


@dataclass
class Classroom:
    pupils: dict[str, Pupil] = field(default_factory=dict)

    async def add(
        self,
        client: HubClient,
        name: str,
        *,
        sign_in: str = "pin",
        pin: str | None = "4821",
        pictures: tuple[str, str] | None = ("dog", "star"),
    ) -> Pupil:
        app = client.app
        store = app[keys.STORE]
        clock = app[keys.CLOCK]
        group_id = f"group-{sign_in}"
        groups = {p.group_id for p in self.pupils.values()}
        if group_id not in groups:
            await store.write(
                people.add_group(group_id, f"Class {sign_in}", clock.now(0), sign_in=sign_in)
            )
        learner_id = str(uuid.uuid4())
        await store.write(
            people.add_learner(
                learner_id, name, app[keys.IDENTITY].hub_id, clock.now(0), group_id=group_id
            )
        )
        secret_pin = hash_learner_secret(pin) if pin else None
        secret_pictures = hash_learner_secret(" ".join(pictures)) if pictures else None

        def set_secrets(conn: object) -> None:
            conn.execute(  # type: ignore[attr-defined]
                "UPDATE learners SET pin_hash = ?, picture = ? WHERE learner_id = ?",
                (secret_pin, secret_pictures, learner_id),
            )

        await store.write(set_secrets)
        pupil = Pupil(learner_id, name, group_id, pin, pictures)
        self.pupils[name] = pupil
        return pupil


async def csrf_from(client: HubClient, path: str) -> str:
    """Load a page as a browser would and take the form's CSRF token."""
    page = await client.get(path)
    match = CSRF_RE.search(await page.text())
    assert match, f"no form on {path}"
    return match.group(1)


async def sign_in(client: HubClient, pupil: Pupil, **form: str) -> int:
    """Sign a pupil in through the real pages; returns the final status."""
    path = f"/signin/{pupil.group_id}/{pupil.learner_id}"
    token = await csrf_from(client, path)
    if not form:
        form = {"pin": pupil.pin or ""} if pupil.pin else {}
    response = await client.post(path, data={"csrf": token, **form}, allow_redirects=False)
    return response.status
