"""WS-Discovery over IPv6 (issue 20): a multicast Probe to FF02::C finds a lab camera on a global and on a
link-local address, its XAddr is read, and the scope decides which interfaces may send.

Two throw-away namespaces on one bridge (tests/netns.py): "cam" runs the lab's discovery responder (answering
on FF02::C) and a captured device replayed by `camaudit lab replay`; "scan" runs `camaudit discover` and
`python -m probes.onvif` as a scan would. Nothing leaves the namespaces.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from lab.responders import ResponderCamera
from tests.netns import Host, NetnsLab, netns_unavailable_reason
from tests.support.replay_netns import EXPECTED, PORT, read_device, serve_replay

pytestmark = [pytest.mark.netns, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
CAMERA_PROC = str(HERE / "camera_proc.py")
CAM6, SCAN6 = "2001:db8:20::10", "2001:db8:20::20"
UUID = "6f1e0c3a-0000-4000-8000-000000000006"


@pytest.fixture
def lan() -> Iterator[tuple[NetnsLab, Host, Host, str]]:
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab("w6") as lab:
        segment = lab.segment("198.51.100.0/24")
        cam, scanner = lab.host("cam", segment), lab.host("scan", segment)
        cam_ll = lab.ipv6(cam, CAM6)
        lab.ipv6(scanner, SCAN6)
        yield lab, cam, scanner, cam_ll


def _start_camera(lab: NetnsLab, cam: Host, address: str, xaddr_host: str) -> None:
    """The replayed device on `address`:PORT and a WS-Discovery responder whose XAddr names `xaddr_host`."""
    serve_replay(lab, cam, address)
    responder = ResponderCamera(
        endpoint_uuid=UUID, address=address, xaddrs=[f"http://[{xaddr_host}]:{PORT}/onvif/device_service"],
        scopes=["onvif://www.onvif.org/name/vault6", "onvif://www.onvif.org/hardware/V6"],
        types=["dn:NetworkVideoTransmitter", "tds:Device"], discoverable=True, name="vault6", manufacturer="Lab",
        model="V6", serial="SN6", mac=cam.mac(), hostname="vault6", http_port=PORT + 1, mdns=False, ssdp=False)
    proc = lab.python(cam, [CAMERA_PROC, json.dumps([asdict(responder)]), "--multicast"], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready", f"responder did not start (exit {proc.poll()})"


def _discover(lab: NetnsLab, scanner: Host, *targets: str) -> tuple[list[dict[str, Any]], str]:
    result = lab.run(scanner, [sys.executable, "-m", "scanner", "discover", "--targets", *targets,
                               "--signals", "ws-discovery", "--interface", "eth0", "--timeout", "2", "--json", "-"],
                     timeout=90, env={**os.environ, "COLUMNS": "300"})
    assert result.returncode == 0, result.stderr
    devices: list[dict[str, Any]] = json.loads(result.stdout)
    return devices, result.stderr


def _only(devices: list[dict[str, Any]]) -> dict[str, Any]:
    found = [d for d in devices if d["endpoint_uuid"] and UUID in d["endpoint_uuid"]]
    assert len(found) == 1, devices
    return found[0]


def _reads_as_captured(lab: NetnsLab, scanner: Host, address: str) -> None:
    sheet = read_device(lab, scanner, f"[{address}]:{PORT}")
    assert sheet["facts"]["identity.model"]["value"] == EXPECTED["identity.model"]["value"]
    assert sheet["read"]["status"] == "read_fully"


def test_probe_on_ff02_c_finds_and_reads_a_camera_on_a_global_address(
        lan: tuple[NetnsLab, Host, Host, str]) -> None:
    lab, cam, scanner, _ = lan
    _start_camera(lab, cam, CAM6, CAM6)
    devices, _ = _discover(lab, scanner, "2001:db8:20::/64")
    device = _only(devices)
    assert "ws-discovery" in device["signals"]  # multicast: a /64 is never swept, unicast cannot have found it
    assert device["addresses"] == [CAM6]
    assert device["xaddrs"] == [f"http://[{CAM6}]:{PORT}/onvif/device_service"]
    _reads_as_captured(lab, scanner, device["addresses"][0])


def test_a_link_local_xaddr_without_zone_takes_the_interface_it_was_heard_on(
        lan: tuple[NetnsLab, Host, Host, str]) -> None:
    lab, cam, scanner, cam_ll = lan
    _start_camera(lab, cam, f"{cam_ll}%eth0", cam_ll)  # as cameras send it: "http://[fe80::...]:8000/..."
    devices, _ = _discover(lab, scanner, "fe80::/64")
    device = _only(devices)
    assert "ws-discovery" in device["signals"]
    assert device["addresses"] == [f"{cam_ll}%eth0"]  # the scanner's own interface is the zone
    _reads_as_captured(lab, scanner, device["addresses"][0])


def test_no_probe_leaves_an_interface_whose_ipv6_subnet_is_not_wholly_in_scope(
        lan: tuple[NetnsLab, Host, Host, str]) -> None:
    lab, cam, scanner, _ = lan
    _start_camera(lab, cam, CAM6, CAM6)
    devices, log = _discover(lab, scanner, "2001:db8:20::/80")  # part of the /64 only
    assert devices == []
    assert "scope does not cover this IPv6 subnet, no FF02::C Probe from it" in log, log
