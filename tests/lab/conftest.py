"""Fixtures for the lab tests: the demo and misbehaving fleets on ephemeral ports, a raw SOAP client."""

from __future__ import annotations

import aiohttp
import pytest

from lab import DEMO_FLEET, MISBEHAVING_FLEET, load_fleet, run_fleet


@pytest.fixture(scope="session")
def demo_fleet():
    return load_fleet(DEMO_FLEET)


@pytest.fixture(scope="session")
def misbehaving_fleet():
    return load_fleet(MISBEHAVING_FLEET)


@pytest.fixture
async def demo(demo_fleet):
    async with run_fleet(demo_fleet, port_override=0) as running:
        yield running


@pytest.fixture
async def misbehaving(misbehaving_fleet):
    async with run_fleet(misbehaving_fleet, port_override=0) as running:
        yield running


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session
