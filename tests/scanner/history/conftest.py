"""History store fixtures: the same tests run on SQLite and on PostgreSQL (own schema, dropped after).

The PostgreSQL server is a throw-away one (tests/pgserver.py: initdb in a temporary directory, unix socket),
or $CAMAUDIT_TEST_POSTGRES. Tests skip only when the PostgreSQL binaries are not installed.
"""

from __future__ import annotations

import contextlib
import itertools
import os

import pytest

from tests import pgserver
from tests.scanner import labscans as _labscans

_counter = itertools.count()


@pytest.fixture
def labscans():
    return _labscans


@contextlib.asynccontextmanager
async def pg_schema():
    """A PostgreSQL URL whose search_path is a fresh schema of our own, dropped on exit."""
    import asyncpg
    try:
        url = pgserver.shared_url()
    except pgserver.PostgresUnavailable as exc:
        pytest.skip(str(exc))
    admin = await asyncpg.connect(url, timeout=10)
    schema = f"camaudit_t{os.getpid()}_{next(_counter)}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield pgserver.with_search_path(url, schema)
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


@pytest.fixture
async def pg_location():
    async with pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def store_location(request, tmp_path):
    """Where a history store lives: an SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "state" / "history.sqlite")
    else:
        async with pg_schema() as url:
            yield url
