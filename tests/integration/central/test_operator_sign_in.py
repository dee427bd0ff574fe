"""Central's pages need a signed-in operator; hubs sync on their signatures alone."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from central import hubs
from central.cli import main
from central.ingest import ingest_folder
from central.operators import set_operator, stored_hash
from central.service import CENTRAL_KEY
from central.web import create_app
from hubd.bundle import generate_hub_identity, write_enrolment
from hubd.sync_session.online import sync_online
from tests.integration.central.centralkit import (
    OPERATOR,
    OPERATOR_PASSWORD,
    Central,
    add_operator,
    csrf_from,
    open_central,
    sign_in,
    wall_ms,
)
from tests.integration.central.test_online_sync import _enrol
from tests.integration.sync.hubkit import learn, open_hub, register
from tests.unit.bundle.bundlekit import Fleet

OPERATOR_PAGES = ["", "figures.csv", "xapi.ndjson"]


class Clock:
    """central's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def serving(central: Central) -> AsyncIterator[tuple[str, TestServer]]:
    server = TestServer(create_app(central.config))
    await server.start_server()
    try:
        yield str(server.make_url("/")), server
    finally:
        await server.close()


def browser() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def test_operator_pages_need_a_signed_in_operator(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    with open_central(fleet, tmp_path / "central", database_url) as central:
        _enrol(central, [fleet.hub], tmp_path / "stick")
        add_operator(central)
        async with serving(central) as (url, _), browser() as session:
            for path in OPERATOR_PAGES:
                async with session.get(url + path, allow_redirects=False) as response:
                    assert response.status == 303, path
                    assert response.headers["Location"].startswith("/login?next=")
            async with session.post(
                url + f"enrolments/{fleet.hub.key_id}", data={"decision": "refuse"}
            ) as response:
                assert response.status == 401
            # The hub syncs without any operator: its bundle's signature is what counts.
            async with open_hub(fleet, tmp_path / "hub") as hub, aiohttp.ClientSession() as bare:
                learner = await register(hub, "Amina")
                await learn(hub, learner, [("lesson_completed", {})])
                report = await sync_online(hub, bare, url)
                assert report.acknowledged > 0

            # Signed in, the pages open; the sign-in lands where the operator was going.
            token = await csrf_from(session, url + "login?next=%2Ffigures.csv")
            form = {"name": OPERATOR, "password": OPERATOR_PASSWORD, "csrf": token}
            async with session.post(
                url + "login", data={**form, "next": "/figures.csv"}, allow_redirects=False
            ) as response:
                assert (response.status, response.headers["Location"]) == (303, "/figures.csv")
                cookie = response.cookies["central_session"]
                assert cookie["httponly"] and cookie["samesite"] == "Strict"
            async with session.get(url) as page:
                text = await page.text()
                assert page.status == 200 and "Signed in as" in text and OPERATOR in text
            async with session.get(url + "figures.csv") as csv:
                assert (await csv.text()).startswith("hub_id,name,registered_learners")
            async with session.get(url + "xapi.ndjson") as xapi:
                statements = [json.loads(line) for line in (await xapi.text()).splitlines()]
            assert [s["verb"]["id"].rsplit("/", 1)[1] for s in statements] == ["completed"]

            # Sign out: the old cookie opens nothing any more.
            token = await csrf_from(session, url)
            async with session.post(url + "logout", data={"csrf": token}) as response:
                assert response.url.path == "/login"
            async with session.get(url, allow_redirects=False) as response:
                assert response.status == 303


async def test_form_posts_need_the_csrf_token(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    keys = generate_hub_identity()
    with open_central(fleet, tmp_path / "central", database_url) as central:
        stick = tmp_path / "stick"
        stick.mkdir()
        write_enrolment(keys, stick / "enrol", fleet=central.keys.trust.fleet, hub_name="Escuela")
        ingest_folder(central.db, central.keys, stick, central.config.work_dir, wall_ms)
        add_operator(central)
        async with serving(central) as (url, _), browser() as session:
            # The sign-in form itself needs the token.
            form = {"name": OPERATOR, "password": OPERATOR_PASSWORD, "next": "/"}
            async with session.post(url + "login", data=form) as response:
                assert response.status == 403
            assert (await sign_in(session, url)).status == 200
            async with session.get(url) as page:
                assert "Escuela" in await page.text() and "Approve" in await page.text()
            target = url + f"enrolments/{keys.key_id}"
            for forged in ({"decision": "approve"}, {"decision": "approve", "csrf": "x" * 32}):
                async with session.post(target, data=forged) as response:
                    assert response.status == 403
            assert [r.status for r in hubs.list_hubs(central.db)] == ["waiting"]
            token = await csrf_from(session, url)
            async with session.post(target, data={"decision": "approve", "csrf": token}) as r:
                assert r.status == 200 and r.url.path == "/"
            assert [r.status for r in hubs.list_hubs(central.db)] == ["approved"]


async def test_wrong_passwords_are_slowed_down(
    fleet: Fleet, tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="central.web_auth")
    with open_central(fleet, tmp_path / "central", database_url) as central:
        add_operator(central)
        async with serving(central) as (url, server), browser() as session:
            clock = Clock()
            server.app[CENTRAL_KEY].monotonic = clock
            for _ in range(5):
                response = await sign_in(session, url, password="not the password")
                assert response.status == 401
            assert (await sign_in(session, url, password="wrong once more")).status == 401
            # Now even the right password waits: nothing is checked until the pause is over.
            refused = await sign_in(session, url)
            assert refused.status == 429
            assert any("waiting" in r.getMessage() for r in caplog.records)
            async with session.get(url + "login") as page:
                assert "Sign in" in await page.text()
            clock.now += 2.5
            assert (await sign_in(session, url)).status == 200
            async with session.get(url) as page:
                assert "Signed in as" in await page.text()
            assert (
                sum("Wrong operator name or password" in r.getMessage() for r in caplog.records)
                == 6
            )


def test_operator_add_sets_an_argon2_password(
    fleet: Fleet,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with open_central(fleet, tmp_path / "central", database_url) as central:
        settings = str(central.settings)
        monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
        assert main(["--config", settings, "operator", "add", "ana", "--password-stdin"]) == 1
        assert "at least 10 characters" in capsys.readouterr().err
        monkeypatch.setattr("sys.stdin", io.StringIO(OPERATOR_PASSWORD + "\n"))
        assert main(["--config", settings, "operator", "add", "ana", "--password-stdin"]) == 0
        assert "Operator ana added" in capsys.readouterr().out
        stored = stored_hash(central.db, "ana")
        assert stored is not None and stored.startswith("$argon2id$")
        assert OPERATOR_PASSWORD not in stored
        assert main(["--config", settings, "operator", "list"]) == 0
        assert capsys.readouterr().out.startswith("ana  since ")
        assert main(["--config", settings, "operator", "remove", "nobody"]) == 1
        assert "no operator named nobody" in capsys.readouterr().err
        # A new password for an existing operator ends their sessions.
        assert set_operator(central.db, "ana", "another long password", wall_ms()) is False
        assert main(["--config", settings, "operator", "remove", "ana"]) == 0
        assert stored_hash(central.db, "ana") is None
