"""History store fixtures: the same tests run on SQLite and on the local PostgreSQL (own schema, dropped after)."""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
from pathlib import Path

import pytest

PG_URL = os.environ.get("CAMAUDIT_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
_counter = itertools.count()


def load_labscans():
    spec = importlib.util.spec_from_file_location("labscans", Path(__file__).parent.parent / "labscans.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def labscans():
    return load_labscans()


@contextlib.asynccontextmanager
async def pg_schema():
    """A PostgreSQL URL whose search_path is a fresh schema of our own, dropped on exit."""
    asyncpg = pytest.importorskip("asyncpg", reason="asyncpg not installed (extra: postgres)")
    try:
        admin = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    schema = f"camaudit_t{os.getpid()}_{next(_counter)}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?search_path={schema}"
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
