"""The reader through every real-camera quirk of lab/fleets/quirks.yaml (issue 20), over real sockets.

Each quirk camera must be read completely with the right credentials, costing no failed login
(one for the camera that only takes an absolute digest URI: it says so in its refusal), or give an
error with the precise reason. Wrong credentials against a camera that counts down to a lockout
stop before the lockout. docs/facts.md lists the quirks and the public issues they come from.
"""

from __future__ import annotations

import pytest
import pytest_asyncio
from pydantic import SecretStr

from lab import QUIRKS_FLEET, load_fleet, run_fleet
from lab.server import RunningFleet
from probes import factvalues as fv
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts
from probes.onvif import CredentialPlan, CredentialSet, OnvifReader
from probes.readstatus import ReadStatus

FLEET = load_fleet(QUIRKS_FLEET)
READABLE = [c.name for c in FLEET.cameras if c.name != "onvif-disabled"]
# the camera refuses the first (path-form) digest URI, saying "url does not match": one failed login
FAILED_LOGINS = {"digest-uri-absolute": 1}


class Read:
    def __init__(self) -> None:
        self.sheets: dict[str, DeviceFacts] = {}
        self.fleet: RunningFleet | None = None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def read() -> Read:
    run = Read()
    async with run_fleet(FLEET, port_override=0) as running:
        async with OnvifReader(username="auditor", password="demo-pass", device_deadline_s=20) as reader:
            for cam in running.cameras:
                run.sheets[cam.name] = await reader.read(DiscoveredDevice(addresses=[cam.address],
                                                                          xaddrs=[cam.xaddr]))
        run.fleet = running
    return run


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("name", READABLE)
async def test_quirk_camera_is_read_fully(read: Read, name: str) -> None:
    sheet, cam = read.sheets[name], read.fleet.camera(name) if read.fleet else None
    assert cam is not None and sheet.read is not None
    assert sheet.read.status is ReadStatus.FULL, (sheet.read, sheet.errors)
    assert sheet.facts["identity.model"].value == cam.spec.identity.model
    assert sheet.facts["users"].ok and sheet.facts["auth.credentials_accepted"].value is True
    assert sum(r.failed_login for r in cam.requests) == FAILED_LOGINS.get(name, 0)
    assert all(op.split(":")[1].startswith("Get") for op in cam.received if not op.startswith("?"))


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("name", [n for n in READABLE if n.startswith(("digest-", "html-"))])
async def test_digest_variants_are_answered_with_digest(read: Read, name: str) -> None:
    assert read.sheets[name].facts["auth.schemes"].value == ["http-digest"]


@pytest.mark.asyncio(loop_scope="module")
async def test_stale_nonces_are_answered_again_without_a_failed_login(read: Read) -> None:
    assert read.fleet is not None
    cam = read.fleet.camera("digest-stale-nonce")
    assert sum(r.stale for r in cam.requests) >= 3  # every reused nonce was retired: the quirk really ran
    assert not any(r.failed_login for r in cam.requests)


@pytest.mark.asyncio(loop_scope="module")
async def test_disabled_onvif_is_an_error_that_says_so(read: Read) -> None:
    sheet = read.sheets["onvif-disabled"]
    assert sheet.read is not None and sheet.read.status is ReadStatus.NOT_ONVIF
    assert "ONVIF may be switched off on the device" in " ".join(sheet.errors)
    assert sheet.facts["identity.model"].status.value == "error"


@pytest.mark.asyncio(loop_scope="module")
async def test_no_get_services_falls_back_to_get_capabilities(read: Read) -> None:
    sheet = read.sheets["no-get-services"]
    assert sheet.facts["services"].ok and sheet.facts["media.profiles"].ok


@pytest.mark.asyncio(loop_scope="module")
async def test_media2_refusing_everything_leaves_media1_facts(read: Read) -> None:
    sheet = read.sheets["media2-refused"]
    assert sheet.facts["media.profiles"].ok and sheet.facts["media.profiles"].value


@pytest.mark.asyncio
async def test_a_lockout_countdown_stops_the_negotiation_before_the_lockout() -> None:
    fleet = load_fleet(QUIRKS_FLEET)
    fleet.cameras = [c for c in fleet.cameras if c.name == "lockout"]
    wrong = [CredentialSet(f"set{i}", "auditor", SecretStr(f"wrong-{i}")) for i in range(4)]
    async with run_fleet(fleet, port_override=0) as running:
        cam = running.cameras[0]
        async with OnvifReader(credentials=CredentialPlan(wrong, max_failures=3)) as reader:
            sheet = await reader.read(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr]))
    assert sum(r.failed_login for r in cam.requests) == 2  # "2 left", then "1 left": stop
    assert "?:locked-out" not in cam.received
    assert sheet.read is not None and sheet.read.status is ReadStatus.CREDENTIALS_REFUSED
    reason = sheet.facts["auth.credentials_accepted"].reason or ""
    assert sheet.facts["auth.credentials_accepted"].value is False
    # one failed attempt per set and scheme: set0 by WS-UsernameToken (answered with a Digest challenge), then
    # set0 by Digest ("1 attempt left"): stop, with the device's words as the reason
    assert "'set0' (ws-usernametoken), 'set0' (http-digest)" in reason, reason
    assert "the device said only 1 attempt(s) remain" in reason and "You still have 1 attempt(s)" in reason
    assert "not tried: 'set1', 'set2', 'set3'" in reason
    assert "ONVIF users are separate" in reason


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("name", "listed"), [("xaddrs-nat", "http://192.168.77.10:80/"),
                                              ("xaddrs-loopback", "http://127.0.0.1:")])
async def test_xaddrs_naming_another_host_are_read_where_the_camera_answered(read: Read, name: str,
                                                                            listed: str) -> None:
    sheet = read.sheets[name]
    assert any(s.xaddr.startswith(listed) for s in sheet.value(fv.services.SERVICES) or [])
    assert read.fleet is not None and "trt:GetProfiles" in read.fleet.camera(name).received


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("name", "skew", "note"), [
    ("clock-wrong", -259200, None),
    ("clock-local-as-utc", 0, "reports its local time as UTC; corrected by the TZ offset"),
    ("clock-no-utc", 7200, "no UTCDateTime; derived from LocalDateTime and TZ"),
    ("clock-bogus-tz", 600, None),
])
async def test_the_device_clock_is_read_as_the_camera_checks_it(read: Read, name: str, skew: int,
                                                               note: str | None) -> None:
    """WS-UsernameToken only: the camera accepted our Created, so the skew we measured is its real clock."""
    fact = read.sheets[name].facts["clock.skew_seconds"]
    assert fact.ok and abs(fact.value - skew) <= 2, fact
    assert (note in (fact.reason or "")) if note else "UTCDateTime" not in (fact.reason or "")
    assert read.sheets[name].facts["auth.schemes"].value == ["ws-usernametoken"]


@pytest.mark.asyncio
async def test_several_xaddrs_with_unreachable_and_mixed_schemes() -> None:
    """agsh/onvif#239: XAddrs "http://192.168.1.27/... http://169.254.68.137/..."; here also fe80:: and https."""
    fleet = load_fleet(QUIRKS_FLEET)
    fleet.cameras = [c for c in fleet.cameras if c.name == "xaddrs-mixed"]
    async with run_fleet(fleet, port_override=0) as running:
        cam = running.cameras[0]
        assert cam.http_xaddr and cam.https_xaddr
        bogus = ["http://169.254.68.137/onvif/device_service", "http://[fe80::2c0:ffff:fe00:1]/onvif/device_service"]
        async with OnvifReader(username="auditor", password="demo-pass") as reader:
            both = await reader.read(DiscoveredDevice(addresses=[cam.address],
                                                      xaddrs=[*bogus, cam.http_xaddr, cam.https_xaddr]))
            only_bogus = await reader.read(DiscoveredDevice(addresses=[cam.address], xaddrs=bogus,
                                                            onvif_ports=[cam.port]))
    assert both.read is not None and both.read.status is ReadStatus.FULL
    assert both.xaddr == cam.https_xaddr  # https first: credentials never travel in clear when TLS is offered
    assert only_bogus.read is not None and only_bogus.read.status is ReadStatus.FULL
    # started at the address it was found at (the standard path on its ONVIF port), then moved to the https
    # service GetServices listed; nothing was ever sent to 169.254/16 or fe80:: (the channel only talks to
    # the device's own address)
    assert only_bogus.address == cam.address and only_bogus.xaddr == cam.https_xaddr
    assert only_bogus.facts["identity.endpoints"].value == [f"http://{cam.address}:{cam.port}/onvif/device_service"]
