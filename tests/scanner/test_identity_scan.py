"""Identity decided after reading, over real sockets: every endpoint read, twins kept apart, one camera one device.

Each case of issue 14 (shared uuids, a rogue twin, shared serials, several endpoints on one address)
runs a whole scan of lab cameras found by unicast WS-Discovery and the TCP sweep.
"""

from __future__ import annotations

import pytest

from probes import factvalues as fv
from probes.discovery import Signal
from profiles.findings import Result
from reports.model import ScanResult
from tests.scanner.identitylab import declaration, host, scan, subnet

pytestmark = pytest.mark.slow

UUID = "urn:uuid:0d0d0d0d-1111-4222-8333-444444444444"
AUDIO = {"profiles": [{"token": "Profile_1", "audio": {"source": "AudioSource_1"}}],
         "audio_sources": [{"token": "AudioSource_1"}]}


def by_serial(result: ScanResult) -> dict[str, object]:
    return {d.value("identity.serial"): d for d in result.devices}


def finding(result: ScanResult, device_id: str, rule: str) -> object:
    (hit,) = [f for f in result.findings if f.device_id == device_id and f.rule_id == rule]
    return hit


async def test_two_cameras_sharing_a_uuid_are_both_read_and_flagged() -> None:
    """Cloned firmware / a rogue twin: before, one record with two addresses, one read, its twin 'not found'."""
    net = subnet()
    cams = [{"name": "real", "address": host(net, 1), "identity": {"endpoint_uuid": UUID, "serial": "REAL-1",
                                                                    "mac": "00:40:8c:00:00:01"}},
            {"name": "rogue", "address": host(net, 2), "media": AUDIO,
             "identity": {"endpoint_uuid": UUID, "serial": "ROGUE-1", "mac": "02:00:00:00:00:02"}}]
    result, asked = await scan(cams, net, declarations=[declaration("gate", {"uuid": UUID})])
    assert asked["real"] and asked["rogue"]  # both were contacted
    devices = by_serial(result)
    assert set(devices) == {"REAL-1", "ROGUE-1"}
    real, rogue = devices["REAL-1"], devices["ROGUE-1"]
    assert real.device_id != rogue.device_id
    assert {real.device_id, rogue.device_id} == {"uuid:0d0d0d0d-1111-4222-8333-444444444444/mac:00:40:8c:00:00:01",
                                                 "uuid:0d0d0d0d-1111-4222-8333-444444444444/mac:02:00:00:00:00:02"}
    assert rogue.value("media.audio_in_profiles") == ["Profile_1"] and real.value("media.audio_in_profiles") == []
    for dev in (real, rogue):
        conflict = finding(result, dev.device_id, "GDPR-INV-3")
        assert conflict.result is Result.FAIL and "identity conflict" in conflict.message
        inventory = finding(result, dev.device_id, "GDPR-INV-1")  # the uuid alone cannot say which is `gate`
        assert inventory.result is Result.FAIL and "ambiguous match" in inventory.message
    assert not result.declared_names


async def test_shared_serials_are_two_devices_matched_by_their_other_keys() -> None:
    """Factory-default serial 123456: before, one device id for both and cross-wired declarations."""
    net = subnet()
    cams = [{"name": "left", "address": host(net, 3), "identity": {"serial": "123456"}},
            {"name": "right", "address": host(net, 4), "media": AUDIO, "identity": {"serial": "123456"}}]
    decls = [declaration("left-door", {"serial": "123456", "ip": host(net, 3)}),
             declaration("right-door", {"ip": host(net, 4)})]
    result, _ = await scan(cams, net, declarations=decls)
    assert len(result.devices) == 2 and len({d.device_id for d in result.devices}) == 2
    names = {result.declared_names[d.device_id]: d for d in result.devices}
    assert names["left-door"].address == host(net, 3) and names["right-door"].address == host(net, 4)
    assert names["right-door"].value("media.audio_in_profiles") == ["Profile_1"]
    for dev in result.devices:
        assert finding(result, dev.device_id, "GDPR-INV-3").result is Result.FAIL
        assert finding(result, dev.device_id, "GDPR-INV-1").result is Result.PASS


async def test_a_serial_alone_fitting_two_devices_is_an_ambiguous_match() -> None:
    net = subnet()
    cams = [{"name": "a", "address": host(net, 5), "identity": {"serial": "123456"}},
            {"name": "b", "address": host(net, 6), "identity": {"serial": "123456"}}]
    result, _ = await scan(cams, net, declarations=[declaration("one", {"serial": "123456"})])
    assert not result.declared_names
    missing = finding(result, "declared:one", "GDPR-INV-2")
    assert missing.result is Result.FAIL and "ambiguous match" in missing.message


@pytest.mark.parametrize("signals", [{Signal.WS_DISCOVERY_UNICAST, Signal.TCP}, {Signal.TCP}],
                         ids=["unicast+tcp", "tcp-only"])
async def test_two_endpoints_on_one_address_are_both_read(signals: set[Signal]) -> None:
    """NVR channels on two ports of one address: before, one endpoint read (which one depended on signals)."""
    net = subnet()
    address = host(net, 7)
    cams = [{"name": "ch1", "address": address, "port": 8000, "identity": {"serial": "NVR-1"}},
            {"name": "ch2", "address": address, "port": 8001, "media": AUDIO, "identity": {"serial": "NVR-2"}}]
    result, asked = await scan(cams, net, signals=signals)
    assert asked["ch1"] and asked["ch2"]
    devices = by_serial(result)
    assert set(devices) == {"NVR-1", "NVR-2"}
    assert {d.port for d in result.devices} == {8000, 8001}
    assert devices["NVR-2"].value("media.audio_in_profiles") == ["Profile_1"]


async def test_channels_sharing_uuid_mac_and_serial_stay_apart_by_their_video() -> None:
    net = subnet()
    address = host(net, 8)
    same = {"endpoint_uuid": UUID, "serial": "NVR-9", "mac": "00:40:8c:00:00:09"}
    cams = [{"name": "ch1", "address": address, "port": 8000, "identity": same},
            {"name": "ch2", "address": address, "port": 8001, "identity": same, "media": {
                "profiles": [{"token": "Channel2", "video": {"width": 1280, "height": 720}}]}}]
    result, _ = await scan(cams, net)
    assert len(result.devices) == 2
    assert sorted(d.value(fv.media.MAX_RESOLUTION).width for d in result.devices) == [1280, 1920]


async def test_http_and_https_endpoints_of_one_camera_are_one_device() -> None:
    net = subnet()
    cams = [{"name": "both", "address": host(net, 9), "port": 8000,
             "tls": {"enabled": True, "port": 8001, "advertise": "both"}}]
    result, _ = await scan(cams, net)
    (device,) = result.devices
    assert sorted(device.value("identity.endpoints")) == [f"http://{host(net, 9)}:8000/onvif/device_service",
                                                          f"https://{host(net, 9)}:8001/onvif/device_service"]
    assert device.device_id.startswith("uuid:") and "/" not in device.device_id  # an id without a twin is unchanged
    assert finding(result, device.device_id, "GDPR-INV-3").result is Result.PASS
