"""The ONVIF reader against the lab's own misbehaving fleet (lab/fleets/misbehaving.yaml).

Complements test_reader_misbehaving.py (one mode per camera, applied to every
operation) with the lab engineer's fleet, where modes hit single operations: the
broken operation must cost its facts only, the neighbours must read completely.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from lab import MISBEHAVING_FLEET, load_fleet, run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts, FactStatus
from probes.onvif import ONVIF_FACTS, READ_OPERATIONS, OnvifReader
from tests.probes.onvif import expected as expected_mod

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Generous enough that a loaded machine does not time out the well-behaved cameras (the lab and the reader
# share this process); the broken operations never answer in time whatever the bound.
REQUEST_TIMEOUT = 4.0
DEADLINE = 16.0
FLEET = load_fleet(MISBEHAVING_FLEET)


class Run:
    sheets: dict[str, DeviceFacts]
    received: dict[str, list[str]]
    addresses: dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run() -> Run:
    out = Run()
    out.sheets, out.received, out.addresses = {}, {}, {}
    async with run_fleet(FLEET, port_override=0) as running:
        by_key = {}
        for cam in running.cameras:
            by_key[DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr]).key] = cam
        async with OnvifReader(username="auditor", password="demo-pass", request_timeout_s=REQUEST_TIMEOUT,
                               device_deadline_s=DEADLINE, max_reply_bytes=1024 * 1024) as reader:
            async for sheet in reader.read_all([DiscoveredDevice(addresses=[c.address], xaddrs=[c.xaddr])
                                                for c in running.cameras]):
                cam = by_key[sheet.device_id]
                out.sheets[cam.name] = sheet
                out.addresses[cam.name] = cam.address
        out.received = {c.name: list(c.received) for c in running.cameras}
    return out


def _fact(run: Run, name: str, key: str) -> object:
    return run.sheets[name].facts[key]


async def test_every_camera_answers_within_the_deadline_with_reasons(run: Run) -> None:
    assert set(run.sheets) == {c.name for c in FLEET.cameras}
    for name, sheet in run.sheets.items():
        assert (sheet.read_finished - sheet.read_started).total_seconds() < DEADLINE + 2, name
        for key in ONVIF_FACTS:
            fact = sheet.facts[key]
            assert fact.ok or fact.reason, (name, key)
        for op in run.received[name]:
            assert op in READ_OPERATIONS, (name, op)


@pytest.mark.parametrize("name", ["good-first", "good-last", "odd-prefixes", "auth-fault-400", "auth-401",
                                  "auth-fault-200", "nul-terminated"])
async def test_neighbours_and_auth_quirk_cameras_read_exactly(run: Run, name: str) -> None:
    cam = FLEET.camera(name)
    sheet = run.sheets[name]
    for key, want in expected_mod.expected_facts(cam, run.addresses[name]).items():
        expected_mod.assert_fact(sheet, key, want)


@pytest.mark.parametrize(("name", "key", "needle"), [
    ("slow-drip", "media.profiles", "no complete reply within"),
    ("truncated", "identity.model", "not well-formed"),
    ("malformed-xml", "media.profiles", "not well-formed"),
    ("oversized", "media.profiles", "cap; cut off"),
    ("entity-expansion", "identity.model", "DOCTYPE"),
    ("entity-expansion", "identity.hostname", "DOCTYPE"),
    ("no-reply", "clock.source", "no complete reply within"),
    ("connection-reset", "clock.source", "connection"),
    ("dead-services", "recording.recordings", "HTTP 404"),
    # *_for_unimplemented with `operations:`: the camera lacks an operation the reader really sends
    ("empty-200", "media.audio_outputs", "empty HTTP 200"),
    ("stacktrace-200", "media.osd", "not a SOAP envelope"),
    ("http500", "network.ntp", "HTTP 500"),
])
async def test_broken_operation_costs_its_facts(run: Run, name: str, key: str, needle: str) -> None:
    fact = run.sheets[name].facts[key]
    assert fact.status is FactStatus.ERROR and needle in (fact.reason or ""), fact


@pytest.mark.parametrize(("name", "broken"), [
    ("slow-drip", "media.profiles"), ("truncated", "identity.model"), ("malformed-xml", "media.profiles"),
    ("oversized", "media.profiles"), ("entity-expansion", "identity.model"), ("dead-services", "ptz.nodes"),
    ("empty-200", "media.audio_outputs"), ("stacktrace-200", "media.osd"),
])
async def test_rest_of_a_partly_broken_camera_is_read(run: Run, name: str, broken: str) -> None:
    sheet = run.sheets[name]
    assert sheet.facts[broken].status is FactStatus.ERROR
    for key in ("clock.source", "users", "network.ntp", "services"):
        assert sheet.facts[key].ok, (key, sheet.facts[key])


async def test_auth_quirks_on_authless_probes_read_as_refusals(run: Run) -> None:
    for name in ("auth-fault-400", "auth-401", "auth-fault-200"):
        fact = run.sheets[name].facts["auth.anonymous_operations"]
        assert fact.ok and fact.value == [], (name, fact)


async def test_auth_loop_is_denied_not_retried(run: Run) -> None:
    sheet = run.sheets["auth-loop-401"]
    assert sheet.value("auth.credentials_accepted") is False
    assert sheet.facts["users"].status is FactStatus.DENIED


@pytest.mark.parametrize(("key", "needle"), [
    ("identity.scopes", "tds:Scopes missing"),  # before: ok []
    ("network.interfaces", "tds:NetworkInterfaces missing"),  # before: ok []
    ("users", "logged in as one"),  # before: ok [] although our own account was accepted
    ("identity.hostname", "FromDHCP"),  # before: ok null, while an empty NTPInformation is an error
])
async def test_replies_without_their_required_elements_are_errors(run: Run, key: str, needle: str) -> None:
    fact = run.sheets["hollow-replies"].facts[key]
    assert fact.status is FactStatus.ERROR and needle in (fact.reason or ""), fact
    assert fact.evidence is not None  # the reply that lacked the element is kept as evidence


async def test_an_html_error_page_is_not_called_an_entity_expansion_risk(run: Run) -> None:
    """Before: lighttpd's 500 page (XHTML DOCTYPE) was reported as 'entity expansion risk'."""
    fact = run.sheets["http500"].facts["network.ntp"]
    assert "HTML page (500 Internal Server Error)" in (fact.reason or "") and "entity" not in (fact.reason or "")


async def test_one_refused_operation_of_an_offered_ptz_service_is_not_absence(run: Run) -> None:
    sheet = run.sheets["ptz-nodes-refused"]
    assert sheet.facts["ptz.nodes"].status is FactStatus.UNSUPPORTED
    assert sheet.value("ptz.present") is True and len(sheet.value("ptz.presets")) == 2


async def test_foreign_capabilities_namespace_is_read_with_a_caveat(run: Run) -> None:
    sheet = run.sheets["foreign-capabilities"]
    assert sheet.facts["services"].ok and sheet.facts["services"].source == "tds:GetServices"
    assert "non-conforming tds:GetCapabilities" in (sheet.facts["services"].reason or "")
    assert sheet.value("ptz.present") is False and sheet.facts["ptz.present"].absent
