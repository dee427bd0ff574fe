"""Central's tests run on SQLite and, when CI asks (CENTRAL_POSTGRES_URL), on PostgreSQL.

scripts/test-all.sh always provides a PostgreSQL server and sets the variable, so in CI every
test runs on both; an unreachable server then fails the PostgreSQL tests, never skips them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from tests.unit.bundle.bundlekit import fleet

__all__ = ["fleet"]
POSTGRES_ENV = "CENTRAL_POSTGRES_URL"
BACKENDS = ["sqlite", "postgres"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A fresh, empty database for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/central.sqlite3"
        return
    import psycopg

    base = os.environ[POSTGRES_ENV]
    name = f"central_test_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    head, _, _ = base.rpartition("/")
    try:
        yield f"{head}/{name}"
    finally:
        with psycopg.connect(base, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
