"""The ONVIF reader against the lab's demo fleet, over real sockets.

Every configured setting of every demo camera must be read back exactly (the mapping
from fleet fields to facts is spelled out in expected.py), and the reader must only
ever send allowlisted Get* operations.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio

from lab import DEMO_FLEET, load_fleet, run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts, FactStatus
from probes.onvif import ONVIF_FACTS, READ_OPERATIONS, OnvifReader
from tests.probes.onvif import expected as expected_mod

pytestmark = pytest.mark.asyncio(loop_scope="module")

FLEET = load_fleet(DEMO_FLEET)
NAMES = [c.name for c in FLEET.cameras]


class DemoRun:
    def __init__(self) -> None:
        self.sheets: dict[str, DeviceFacts] = {}
        self.received: dict[str, list[str]] = {}
        self.addresses: dict[str, str] = {}
        self.tls_ports: dict[str, int | None] = {}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo() -> DemoRun:
    run = DemoRun()
    async with run_fleet(FLEET, port_override=0) as running:
        # Devices as a TCP sweep finds them: no endpoint uuid, the reader must learn it.
        devices = {DiscoveredDevice(addresses=[c.address], xaddrs=[c.xaddr]).key: c for c in running.cameras}
        async with OnvifReader(username="auditor", password="demo-pass") as reader:
            async for sheet in reader.read_all([DiscoveredDevice(addresses=[c.address], xaddrs=[c.xaddr])
                                                for c in running.cameras]):
                cam = devices[sheet.device_id]
                run.sheets[cam.name] = sheet
                run.addresses[cam.name] = cam.address
                run.tls_ports[cam.name] = cam.tls_port
        run.received = {c.name: list(c.received) for c in running.cameras}
    return run


def _cases() -> list[Any]:
    cases = []
    for cam in FLEET.cameras:
        for key in expected_mod.expected_facts(cam, cam.address, 1 if cam.tls.enabled else None):
            cases.append(pytest.param(cam.name, key, id=f"{cam.name}:{key}"))
    return cases


@pytest.mark.parametrize(("name", "key"), _cases())
async def test_fact_read_back_exactly(demo: DemoRun, name: str, key: str) -> None:
    cam = FLEET.camera(name)
    sheet = demo.sheets[name]
    want = expected_mod.expected_facts(cam, demo.addresses[name], demo.tls_ports[name])[key]
    expected_mod.assert_fact(sheet, key, want)


@pytest.mark.parametrize("name", NAMES)
async def test_identity_keys_and_clock(demo: DemoRun, name: str) -> None:
    cam = FLEET.camera(name)
    sheet = demo.sheets[name]
    assert sheet.endpoint_uuid == cam.endpoint_uuid.removeprefix("urn:uuid:")
    assert sheet.mac == cam.mac
    assert sheet.errors == []
    skew = sheet.get("clock.skew_seconds")
    assert skew.ok and abs(skew.value - cam.clock.offset_seconds) <= 2.0
    # every ONVIF fact is present with a source, and any non-ok fact says why
    for key in ONVIF_FACTS:
        fact = sheet.facts[key]
        assert fact.source
        if fact.status is not FactStatus.OK:
            assert fact.reason, key


@pytest.mark.parametrize("name", NAMES)
async def test_only_allowlisted_reads_were_sent(demo: DemoRun, name: str) -> None:
    received = demo.received[name]
    assert received, "the camera received nothing"
    for op in received:
        assert op in READ_OPERATIONS and op.split(":")[1].startswith("Get"), op
    # no event subscription, no set/create/delete of any kind
    assert not any(word in op for op in received for word in ("Subscribe", "Subscription", "Set", "Create",
                                                               "Delete", "Reboot"))


async def test_evidence_points_at_the_raw_reply(demo: DemoRun) -> None:
    sheet = demo.sheets["bank-vault"]
    fact = sheet.get("identity.firmware")
    assert fact.evidence is not None and fact.evidence.operation == "tds:GetDeviceInformation"
    assert "5.1.9" in fact.evidence.excerpt and len(fact.evidence.sha256 or "") == 64
    assert fact.evidence.received_at is not None


async def test_digest_only_and_ws_only_cameras_both_read(demo: DemoRun) -> None:
    digest = demo.sheets["bank-vault"]  # auth.schemes: [http-digest]
    wsut = demo.sheets["school-corridor"]  # auth.schemes: [ws-usernametoken]
    assert digest.value("auth.schemes") == ["http-digest"] and digest.value("users")
    assert wsut.value("auth.schemes") == ["ws-usernametoken"] and wsut.value("users")


async def test_anonymous_operations_recorded(demo: DemoRun) -> None:
    assert demo.sheets["office-workplace"].value("auth.anonymous_operations") == [
        "tds:GetDeviceInformation", "tr2:GetProfiles", "trt:GetProfiles"]
    assert demo.sheets["parking-lot"].value("auth.anonymous_operations") == []


async def test_anonymous_device_information_is_reused_not_asked_again(demo: DemoRun) -> None:
    # office-workplace answers GetDeviceInformation and GetProfiles without credentials
    received = demo.received["office-workplace"]
    assert received.count("tds:GetDeviceInformation") == 1  # the anonymous probe's reply became identity.*
    assert received.count("tds:GetNetworkInterfaces") == 1  # the auth-settling call became network.interfaces
    # profiles may be filtered by user level: asked again with credentials (probe + fact read)
    assert received.count("tr2:GetProfiles") == 2
    sheet = demo.sheets["office-workplace"]
    assert sheet.get("identity.serial").ok and sheet.get("network.interfaces").ok
    accepted = sheet.get("auth.credentials_accepted")
    assert accepted.value is True and accepted.source == "tds:GetNetworkInterfaces"
    # a camera that refused the anonymous probe is asked again with credentials
    assert demo.received["parking-lot"].count("tds:GetDeviceInformation") == 2


async def test_no_credentials_in_fact_sheets(demo: DemoRun) -> None:
    for sheet in demo.sheets.values():
        text = sheet.model_dump_json()
        assert "demo-pass" not in text
        # device-stored passwords of the other accounts are never read into facts either
        for spec in FLEET.camera(next(n for n, s in demo.sheets.items() if s is sheet)).auth.users.values():
            if len(spec.password) >= 8 and not spec.password.isdigit():  # short ones occur by chance in hashes
                assert spec.password not in text
