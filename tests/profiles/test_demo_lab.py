"""End to end: the lab's demo fleet over real sockets -> the ONVIF reader -> evaluate with the demo site.

Same expectations table as the hand-built-facts test (demo_expectations.py): the findings come out exactly as
each scenario was built, now from facts read over the network.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from lab import DEMO_FLEET, load_fleet, run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts
from probes.onvif import OnvifReader
from probes.rtsp import probe_all
from profiles import evaluate, load_profiles
from profiles.findings import Result
from scanner.site import load_site, site_inventory
from tests.profiles.demo_expectations import CLEAN, DEMO_AT, DEMO_SITE, EXPECTED_FAILS, fails_by_camera

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab_sheets() -> list[DeviceFacts]:
    sheets: list[DeviceFacts] = []
    async with run_fleet(load_fleet(DEMO_FLEET), port_override=0) as running:
        targets = [DiscoveredDevice(addresses=[c.address], xaddrs=[c.xaddr]) for c in running.cameras]
        async with OnvifReader(username="auditor", password="demo-pass") as reader:
            async for sheet in reader.read_all(targets):
                sheets.append(sheet)
        await probe_all(sheets, lambda _: ("auditor", "demo-pass"))  # the pipeline's RTSP step
    return sheets


async def test_demo_fleet_read_over_onvif_yields_the_expected_findings(lab_sheets: list[DeviceFacts]) -> None:
    site = load_site(DEMO_SITE).site
    evaluation = evaluate(lab_sheets, site_inventory(site), load_profiles(site.profiles), at=DEMO_AT)
    assert fails_by_camera(evaluation, lab_sheets) == EXPECTED_FAILS
    assert not evaluation.by_result(Result.ERROR)
    for name in CLEAN:
        bad = [(f.rule_id, f.result, f.message) for f in evaluation.findings
               if f.device_name == name and f.result not in (Result.PASS, Result.NOT_APPLICABLE)]
        assert bad == [], name
