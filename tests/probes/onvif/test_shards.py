"""Reading across worker processes: the same sheets as one process, and a dead worker costs only its sheets.

The lab's demo fleet is served over real sockets by this test's event loop; the workers are real spawned
processes reading it over loopback.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from typing import Any

from lab import DEMO_FLEET, load_fleet, run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts, FactStatus
from probes.onvif.shards import MIN_PER_WORKER, ReaderOptions, read_sharded, worker_count
from probes.readstatus import ReadStatus

FLEET = load_fleet(DEMO_FLEET)
MOVING = {"clock.skew_seconds", "recording.summary"}  # measured against, or relative to, the lab's clock
OPTIONS = ReaderOptions(username="auditor", password="demo-pass", request_timeout_s=5, device_deadline_s=30)


def _devices(running: Any) -> list[DiscoveredDevice]:
    return [DiscoveredDevice(addresses=[c.address], xaddrs=[c.xaddr]) for c in running.cameras]


def _shape(sheet: DeviceFacts) -> dict[str, Any]:
    """What must not depend on the process that read it (the lab's moving clock aside)."""
    return {key: (fact.status, None if key in MOVING else fact.value, fact.source)
            for key, fact in sheet.facts.items()}


def test_worker_count_defaults_to_cores_while_each_worker_has_enough_cameras() -> None:
    assert worker_count(None, MIN_PER_WORKER - 1) == 1  # a small site stays in one process
    assert worker_count(3, 2) == 2  # never more workers than endpoints
    assert worker_count(4, 1000) == 4
    assert 1 <= worker_count(None, 100 * MIN_PER_WORKER) <= max(1, os.cpu_count() or 1)


async def test_two_workers_read_the_same_sheets_as_one_process() -> None:
    async with run_fleet(FLEET, port_override=0) as running:
        devices = _devices(running)
        one = {s.device_id: s async for s in read_sharded(devices, OPTIONS, workers=1)}
        two = {s.device_id: s async for s in read_sharded(devices, OPTIONS, workers=2)}
    assert sorted(one) == sorted(two) == sorted(d.key for d in devices)  # every endpoint exactly once
    for device_id, sheet in one.items():
        assert _shape(two[device_id]) == _shape(sheet), device_id
        assert two[device_id].errors == sheet.errors
        assert two[device_id].read == sheet.read


async def test_a_killed_worker_costs_only_the_sheets_it_had_not_sent() -> None:
    # 0.5 s per reply: a camera takes seconds to read, so the worker is killed long before its first sheet
    async with run_fleet(FLEET, port_override=0, reply_delay_s=0.5) as running:
        devices = _devices(running)
        sheets: list[DeviceFacts] = []

        async def collect() -> None:
            async for sheet in read_sharded(devices, OPTIONS, workers=2):
                sheets.append(sheet)

        reading = asyncio.create_task(collect())
        while not (victims := [p for p in multiprocessing.active_children() if p.name == "camaudit-read-1"]):
            await asyncio.sleep(0.01)
        assert victims[0].pid is not None
        os.kill(victims[0].pid, signal.SIGKILL)
        await reading
    assert sorted(s.device_id for s in sheets) == sorted(d.key for d in devices)  # none lost, none twice
    unread = {s.device_id for s in sheets if any("reader process camaudit-read-1 ended" in e for e in s.errors)}
    assert unread == {d.key for d in devices[1::2]}  # exactly the killed worker's share
    for sheet in sheets:
        if sheet.device_id in unread:
            assert {f.status for f in sheet.facts.values()} <= {FactStatus.NOT_PROBED, FactStatus.ERROR}
            assert sheet.read is not None and sheet.read.status is not ReadStatus.FULL
        else:
            assert sheet.facts["services"].ok  # the other worker read its share
