"""Fixtures for discovery tests: lab cameras as ResponderCamera specs and the network-namespace lab."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.netns import NetnsLab, netns_unavailable_reason
from tests.probes.discovery.loopfleet import LoopbackFleet, loopback_subnet


@pytest.fixture
def netns_lab() -> Iterator[NetnsLab]:
    """A NetnsLab that is torn down after the test, or a skip when namespaces are unavailable."""
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab() as lab:
        yield lab


@pytest.fixture
async def loop_fleet() -> AsyncIterator[LoopbackFleet]:
    """Four lab cameras on a private 127.x.y.0/28 (cam .4 NonDiscoverable), unicast responders + HTTP."""
    async with LoopbackFleet(loopback_subnet()) as fleet:
        yield fleet
