"""The scan's RTSP step sheet by sheet (probes/rtsp/_step.py), against the lab's RTSP server over real sockets:
probes run while the body (the reading) still goes on, two endpoints of one camera share one probe, and an
error of the body passes through unchanged with the probes cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from lab.model import Fleet
from lab.server import RunningFleet, run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts, FactStatus
from probes.onvif import OnvifReader
from probes.rtsp import RTSP_FACTS, StreamProbes
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio(loop_scope="module")

ADMIN = {"admin": {"password": "pw", "level": "Administrator"}}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fleet() -> AsyncIterator[RunningFleet]:
    spec = Fleet.model_validate({"cameras": [
        {"name": name, "address": "127.0.0.1", "port": 0, "auth": {"users": ADMIN},
         "rtsp": {"enabled": True, "auth": "digest"}} for name in ("first", "second")]})
    async with run_fleet(spec, port_override=0) as running:
        yield running


async def _sheet(running: RunningFleet, name: str) -> DeviceFacts:
    cam = running.camera(name)
    async with OnvifReader(username="admin", password="pw") as reader:
        sheet = await reader.read(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr]))
    assert cam.rtsp is not None
    cam.rtsp.requests.clear()
    return sheet


async def test_a_sheet_is_probed_while_the_reading_goes_on(fleet: RunningFleet) -> None:
    sheet = await _sheet(fleet, "first")
    requests = fleet.camera("first").rtsp.requests
    async with StreamProbes(lambda _: ("admin", "pw"), timeout_s=3, deadline_s=10) as streams:
        streams.start(sheet)
        # still inside the step (more sheets could arrive): the camera's RTSP server already got the probe
        await until(lambda: any(r.method == "DESCRIBE" for r in requests), "a DESCRIBE before the step ends")
    assert sheet.facts["rtsp.server"].ok and sheet.facts["rtsp.auth"].ok
    assert all(key in sheet.facts for key in RTSP_FACTS)


async def test_two_endpoints_of_one_camera_share_one_probe(fleet: RunningFleet) -> None:
    sheet = await _sheet(fleet, "second")
    other = sheet.model_copy(update={"facts": dict(sheet.facts)})  # the same camera read through a second endpoint
    async with StreamProbes(lambda _: ("admin", "pw"), timeout_s=3, deadline_s=10) as streams:
        streams.start(sheet)
        streams.start(other)
    methods = [r.method for r in fleet.camera("second").rtsp.requests]
    assert methods.count("OPTIONS") == 1, methods  # described once, not once per endpoint
    assert sheet.facts["rtsp.auth"] == other.facts["rtsp.auth"]
    assert sheet.facts["rtsp.streams"].status is FactStatus.OK


async def test_an_error_of_the_body_passes_unchanged_and_cancels_the_probes(fleet: RunningFleet) -> None:
    sheet = await _sheet(fleet, "first")
    before = dict(sheet.facts)
    with pytest.raises(LookupError, match="reading failed"):
        async with StreamProbes(lambda _: ("admin", "pw"), timeout_s=3, deadline_s=10) as streams:
            streams.start(sheet)
            raise LookupError("reading failed")
    assert not [task for task in asyncio.all_tasks() if task.get_name().startswith("rtsp[")]
    assert sheet.facts.keys() == before.keys()  # cancelled before storing anything


async def test_a_probe_that_failed_before_the_step_ends_raises_its_error(fleet: RunningFleet,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in a probe is never lost because the probe ended while the reading still went on."""

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("probe bug")

    monkeypatch.setattr("probes.rtsp._step.probe_streams", broken)
    sheet = await _sheet(fleet, "first")
    with pytest.raises(RuntimeError, match="probe bug"):
        async with StreamProbes(lambda _: ("admin", "pw"), timeout_s=3, deadline_s=10) as streams:
            streams.start(sheet)
            await until(lambda: not [t for t in asyncio.all_tasks() if t.get_name().startswith("rtsp[")],
                        "the failing probe ended inside the step")


async def test_a_clone_claiming_the_same_uuid_elsewhere_is_probed_on_its_own(fleet: RunningFleet) -> None:
    sheet = await _sheet(fleet, "first")
    assert sheet.endpoint_uuid
    # another device at another address repeats the uuid (a cloned identity): its streams are its own
    clone = sheet.model_copy(update={"facts": dict(sheet.facts), "address": "127.0.0.2"})
    async with StreamProbes(lambda _: ("admin", "pw"), timeout_s=3, deadline_s=10) as streams:
        streams.start(sheet)
        streams.start(clone)
    assert sheet.facts["rtsp.server"].value.answers is True
    assert clone.facts["rtsp.server"].value.answers is False  # nothing listens there: not the original's answer
    assert [r.method for r in fleet.camera("first").rtsp.requests].count("OPTIONS") == 1
