"""How many requests of each operation the reader sends to one camera, over real sockets (issue 23).

Each camera is read as a scan reads it (the endpoint uuid from WS-Discovery), and the lab counts what it
received. The counts are exact: a request the reader learned not to send (a second anonymous question
whose answer the anonymous probe already has, audio encoder configurations the media profiles carry,
PTZ configurations the profiles show) fails here if it comes back. The facts those requests gave must
still come out, with the anonymous probe refused, answered, without Media2 and with refused credentials.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import pytest_asyncio

from lab import run_fleet
from lab.model import Fleet
from lab.server import RunningFleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts, FactStatus
from probes.onvif import OnvifReader

pytestmark = pytest.mark.asyncio(loop_scope="module")

USER, PASSWORD = "auditor", "lab-pass"
AUDIO = {"encoding": "G711"}
PROFILES = [{"token": "Main", "audio": AUDIO}, {"token": "Sub", "video": {"width": 640, "height": 360}}]
MEDIA1_ONLY = ["device", "media", "imaging", "events", "deviceio"]
CAMERAS: list[dict[str, Any]] = [
    {"name": "closed", "address": "127.0.43.11", "auth": {"schemes": ["ws-usernametoken"]}},
    {"name": "closed-digest", "address": "127.0.43.12", "auth": {"schemes": ["http-digest"]}},
    {"name": "open", "address": "127.0.43.13",
     "auth": {"anonymous_operations": ["GetDeviceInformation", "GetProfiles", "GetUsers"]}},
    {"name": "media1-only", "address": "127.0.43.14", "services": MEDIA1_ONLY},
    {"name": "ptz", "address": "127.0.43.15", "ptz": {"presets": [{"token": "1", "name": "Gate"}]}},
    # GetServices names a PTZ service, no profile has a PTZ configuration: tptz:GetConfigurations decides
    {"name": "ptz-invented", "address": "127.0.43.16",
     "services_listed": ["device", "media", "media2", "imaging", "events", "deviceio", "ptz"]},
]

FIRST = {"tds:GetSystemDateAndTime": 1, "tds:GetServices": 1, "tds:GetCapabilities": 1}
PROBES = {"tds:GetDeviceInformation": 1, "trt:GetProfiles": 1, "tr2:GetProfiles": 1, "tds:GetUsers": 1}
DEVICE = {op: 1 for op in (
    "tds:GetHostname", "tds:GetScopes", "tds:GetServiceCapabilities", "tds:GetUsers", "tds:GetNetworkDefaultGateway",
    "tds:GetDNS", "tds:GetNTP", "tds:GetNetworkProtocols", "tds:GetZeroConfiguration", "tds:GetDiscoveryMode",
    "tds:GetIPAddressFilter", "tds:GetStorageConfigurations", "tds:GetDynamicDNS", "tds:GetRemoteUser",
    "tds:GetNetworkInterfaces")}
MEDIA2 = {"tr2:GetProfiles": 1, "tr2:GetVideoEncoderConfigurations": 1, "tr2:GetOSDs": 1, "trt:GetAudioSources": 1,
          "trt:GetAudioOutputs": 1, "tr2:GetMasks": 1, "tr2:GetStreamUri": 2}
MEDIA1 = {"trt:GetProfiles": 1, "trt:GetVideoEncoderConfigurations": 1, "trt:GetOSDs": 1, "trt:GetAudioSources": 1,
          "trt:GetAudioOutputs": 1, "trt:GetStreamUri": 2}


def counts(*parts: dict[str, int]) -> Counter[str]:
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part)
    return total


def lab_fleet() -> Fleet:
    cams = []
    for cam in CAMERAS:
        auth = {"users": {USER: {"password": PASSWORD, "level": "Administrator"}}, **cam.get("auth", {})}
        cams.append({"media": {"profiles": PROFILES}, **cam, "auth": auth})
    return Fleet.model_validate({"version": 1, "cameras": cams})


class Reads:
    """Per credentials ("right", "wrong", "none"): each camera's sheet and what it received."""

    def __init__(self) -> None:
        self.sheets: dict[tuple[str, str], DeviceFacts] = {}
        self.asked: dict[tuple[str, str], Counter[str]] = {}


async def _read_each(running: RunningFleet, reads: Reads, label: str, **credentials: str) -> None:
    async with OnvifReader(device_deadline_s=20, **credentials) as reader:
        for cam in running.cameras:  # one camera at a time: its counts are its own
            cam.clear()
            uuid = cam.spec.endpoint_uuid.removeprefix("urn:uuid:").lower()
            reads.sheets[label, cam.name] = await reader.read(DiscoveredDevice(
                addresses=[cam.address], xaddrs=[cam.xaddr], endpoint_uuid=uuid))
            reads.asked[label, cam.name] = Counter(cam.received)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def reads() -> Reads:
    out = Reads()
    async with run_fleet(lab_fleet(), port_override=0) as running:
        await _read_each(running, out, "right", username=USER, password=PASSWORD)
        await _read_each(running, out, "wrong", username=USER, password="not-the-password")
        await _read_each(running, out, "none")
    return out


def fact(reads: Reads, label: str, name: str, key: str) -> Any:
    return reads.sheets[label, name].get(key)


async def test_a_closed_camera_costs_one_request_per_question(reads: Reads) -> None:
    # the anonymous probes (refused), the login on tds:GetDeviceInformation, then one request per fact source;
    # no tr2:GetAudioEncoderConfigurations (the profiles carry them), no tds:GetEndpointReference (discovery)
    want = counts(FIRST, PROBES, {"tds:GetDeviceInformation": 1}, DEVICE, MEDIA2, {"tev:GetEventBrokers": 1})
    assert reads.asked["right", "closed"] == want
    # HTTP Digest: the login's WS-UsernameToken attempt is refused with a Digest challenge, which the next
    # request answers (no request without credentials just to be challenged again)
    assert reads.asked["right", "closed-digest"] == want + Counter({"tds:GetDeviceInformation": 1})


async def test_an_open_camera_is_not_asked_twice_what_it_told_anyone(reads: Reads) -> None:
    # the anonymous tds:GetDeviceInformation gives the identity; the login is tds:GetNetworkInterfaces, which the
    # device reader needs anyway; profiles and users are asked again with credentials (firmware may filter them)
    want = counts(FIRST, PROBES, DEVICE, MEDIA2, {"tev:GetEventBrokers": 1})
    assert reads.asked["right", "open"] == want
    sheet = reads.sheets["right", "open"]
    assert sheet.value("auth.anonymous_operations") == ["tds:GetDeviceInformation", "tds:GetUsers",
                                                        "tr2:GetProfiles", "trt:GetProfiles"]
    assert sheet.get("identity.serial").ok and sheet.get("identity.serial").source == "tds:GetDeviceInformation"
    accepted = sheet.get("auth.credentials_accepted")
    assert accepted.value is True and accepted.source == "tds:GetNetworkInterfaces"


async def test_identity_comes_from_the_login_when_the_anonymous_probe_is_refused(reads: Reads) -> None:
    sheet = reads.sheets["right", "closed"]
    assert sheet.value("auth.anonymous_operations") == []
    for key in ("identity.manufacturer", "identity.model", "identity.serial", "identity.firmware"):
        f = sheet.get(key)
        assert f.ok and f.value and f.evidence is not None and f.evidence.operation == "tds:GetDeviceInformation"
    accepted = sheet.get("auth.credentials_accepted")
    assert accepted.value is True and accepted.source == "tds:GetDeviceInformation"
    assert sheet.errors == []


@pytest.mark.parametrize("name", ["closed", "open", "media1-only"])
async def test_audio_encoders_come_from_the_profiles(reads: Reads, name: str) -> None:
    sheet = reads.sheets["right", name]
    op = "trt:GetProfiles" if name == "media1-only" else "tr2:GetProfiles"
    encoders = sheet.get("media.audio_encoders")
    assert encoders.ok and encoders.source == op and encoders.evidence is not None
    assert encoders.evidence.operation == op
    assert [(e.encoding, e.profiles) for e in encoders.value] == [
        ("PCMU" if op == "tr2:GetProfiles" else "G711", ("Main",))]
    assert sheet.value("media.audio_in_profiles") == ["Main"]
    assert [e.profiles for e in sheet.value("media.video_encoders")] == [("Main",), ("Sub",)]


async def test_without_media2_the_media1_reads_are_one_each(reads: Reads) -> None:
    want = counts(FIRST, PROBES, {"tds:GetDeviceInformation": 1}, DEVICE, MEDIA1, {"tev:GetEventBrokers": 1})
    del want["tr2:GetProfiles"]  # not probed: the device offers no Media2 service
    assert reads.asked["right", "media1-only"] == want
    sheet = reads.sheets["right", "media1-only"]
    assert sheet.value("media.service") == "media1"
    assert sheet.get("privacy.masks").status is FactStatus.UNSUPPORTED


async def test_ptz_configurations_are_asked_only_when_no_profile_shows_one(reads: Reads) -> None:
    ptz = reads.asked["right", "ptz"]
    assert ptz["tptz:GetConfigurations"] == 0 and ptz["tptz:GetNodes"] == 1 and ptz["tptz:GetPresets"] == 1
    assert fact(reads, "right", "ptz", "ptz.present").value is True
    assert [p.token for p in fact(reads, "right", "ptz", "ptz.presets").value] == ["1"]
    invented = reads.asked["right", "ptz-invented"]
    assert invented["tptz:GetConfigurations"] == 1 and invented["tptz:GetNodes"] == 1
    # the listed service is not there: unknown, as before (tests/probes/onvif/test_reader_presence.py)
    assert fact(reads, "right", "ptz-invented", "ptz.present").status is FactStatus.UNSUPPORTED


@pytest.mark.parametrize("label", ["wrong", "none"])
async def test_an_anonymous_refusal_is_not_asked_again_without_credentials(reads: Reads, label: str) -> None:
    # credentials refused (or none configured): every later request goes without them, and the anonymous
    # probes already hold the answer to the identical requests: asked once each
    asked = reads.asked[label, "closed"]
    for op in ("tds:GetDeviceInformation", "tr2:GetProfiles", "trt:GetProfiles", "tds:GetUsers"):
        assert asked[op] == 1 + (op == "tds:GetDeviceInformation" and label == "wrong"), op
    sheet = reads.sheets[label, "closed"]
    for key in ("users", "media.profiles", "identity.serial"):
        f = sheet.get(key)
        assert f.status is FactStatus.DENIED and f.evidence is not None, key
    users = sheet.get("users")
    assert users.evidence is not None and users.evidence.operation == "tds:GetUsers"
    if label == "wrong":
        assert sheet.value("auth.credentials_accepted") is False
        assert "our credentials were refused at tds:GetDeviceInformation, so none were sent" in (users.reason or "")
    else:
        assert sheet.get("auth.credentials_accepted").status is FactStatus.NOT_PROBED
        assert "NotAuthorized" in (users.reason or "") and "credentials were refused" not in (users.reason or "")
    assert sheet.get("clock.source").ok and sheet.get("services").ok  # PRE_AUTH reads are not affected
