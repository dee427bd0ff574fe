"""Health for a technician's script, and an OpenAPI document that matches the routes."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

import hubd

Client = TestClient[web.Request, web.Application]


def api_routes(app: web.Application) -> set[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if path and path.startswith("/api/") and route.method not in ("HEAD", "OPTIONS"):
            found.add((route.method, path))
    return found


async def test_health_reports_version_database_disk_and_uptime(client: Client) -> None:
    response = await client.get("/api/v1/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["version"] == hubd.__version__
    assert body["database"]["ok"] is True
    assert body["disk"]["free_bytes"] == 24 << 30
    assert body["uptime_seconds"] >= 0
    assert len(body["hub"]["id"]) == 32


async def test_openapi_document_is_valid_and_covers_every_api_route(client: Client) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    validate(document)
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert documented == api_routes(client.app)


async def test_pages_carry_security_headers(client: Client) -> None:
    response = await client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
