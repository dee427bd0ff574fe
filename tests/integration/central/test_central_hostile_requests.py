"""Hostile input on every route of central: a signed-in operator's cookie, and path parts,
query strings and bodies no browser or hub sends (bytes that are not UTF-8, broken multipart,
garbage where a bundle stream belongs). Each answer is a clear 4xx or a normal page, never a
server error, and no hub's state changes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from central import hubs
from central.web import create_app
from tests.integration.central.centralkit import add_operator, csrf_from, open_central, sign_in
from tests.integration.central.test_online_sync import _enrol
from tests.integration.central.test_operator_sign_in import browser, serving
from tests.unit.bundle.bundlekit import Fleet

PARTS = ["..%2F..%2Fetc%2Fpasswd", "%00", "a" * 3000, "%FF%FE", "'\"<x>"]
QUERY = "?next={v}&hub={v}&from={v}&to={v}"


async def test_no_central_route_answers_hostile_input_with_a_server_error(
    fleet: Fleet, tmp_path: Path, database_url: str
) -> None:
    with open_central(fleet, tmp_path / "central", database_url) as central:
        _enrol(central, [fleet.hub], tmp_path / "stick")
        add_operator(central)
        before = [(r.hub_id, r.status) for r in hubs.list_hubs(central.db)]
        table = sorted(
            {
                (route.method, str(info.get("path") or info.get("formatter")))
                for route in create_app(central.config).router.routes()
                if route.method in ("GET", "POST")
                and (info := route.resource.get_info() if route.resource else {})
                and (info.get("path") or info.get("formatter"))
            }
        )
        assert len(table) >= 8, table
        failures: list[str] = []
        async with serving(central) as (url, _), browser() as session:
            assert (await sign_in(session, url)).status == 200
            token = await csrf_from(session, url)
            for method, template in table:
                for part in PARTS if "{" in template else PARTS[:2]:
                    target = url + re.sub(r"\{[^}]+\}", part, template).lstrip("/")
                    target += QUERY.format(v=part)
                    attempts: list[dict[str, Any]] = [{}]
                    if method == "POST":
                        attempts = [
                            {"data": {"decision": "approve" * 500, "csrf": token, "name": "\0"}},
                            {"data": b"\xff\xfe\x00garbage",
                             "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
                            {"data": b"--x\r\nbroken",
                             "headers": {"Content-Type": "multipart/form-data"}},
                            {"data": b"\x28\xb5\x2f\xfd" + b"\x00" * 64,
                             "headers": {"Content-Type": "application/octet-stream"}},
                            {"json": {"bundle": [None]}},
                        ]  # fmt: skip
                    for attempt in attempts:
                        async with session.request(
                            method, target, allow_redirects=False, **attempt
                        ) as response:
                            body = await response.read()
                        if response.status >= 500 or b"Traceback" in body:
                            failures.append(
                                f"{method} {target[:90]}: {response.status} {body[:100]!r}"
                            )
        assert failures == [], "\n".join(failures[:20])
        assert [(r.hub_id, r.status) for r in hubs.list_hubs(central.db)] == before
