"""Discovery on a real (namespaced) LAN: every signal finds exactly the cameras it should.

Topology (all RFC 5737, inside namespaces this test creates and removes):

    198.51.100.0/24 bridge: scanner, cam1 (.11), cam2 (.12, NonDiscoverable, no mDNS/SSDP),
                            cam3 (.13 and .14: two interfaces), router (.1)
    203.0.113.0/24 bridge:  router (.1), cam4 (.21) -- reachable by unicast only
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from lab.responders import ResponderCamera
from tests.netns import Host, NetnsLab, Segment

pytestmark = [pytest.mark.netns, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
CAMERA_PROC = str(HERE / "camera_proc.py")
HTTP_PORT = 8000
SCOPES = ["onvif://www.onvif.org/Profile/Streaming", "onvif://www.onvif.org/Profile/T"]


def camera(n: int, addresses: list[str], *, manufacturer: str, model: str, mac: str, discoverable: bool = True,
           multicast_extras: bool = True) -> list[ResponderCamera]:
    """One ResponderCamera per address (a multi-homed camera answers on each), sharing one identity."""
    uuid = f"6f1e0c3a-0000-4000-8000-{n:012d}"
    xaddrs = [f"http://{a}:{HTTP_PORT}/onvif/device_service" for a in addresses]
    return [ResponderCamera(
        endpoint_uuid=uuid, address=a, xaddrs=xaddrs,
        scopes=[*SCOPES, f"onvif://www.onvif.org/name/cam{n}", f"onvif://www.onvif.org/hardware/{model}"],
        types=["dn:NetworkVideoTransmitter", "tds:Device"], discoverable=discoverable, name=f"cam{n}",
        manufacturer=manufacturer, model=model, serial=f"SN{n:06d}", mac=mac, hostname=f"cam{n}",
        http_port=HTTP_PORT, mdns=multicast_extras, ssdp=multicast_extras) for a in addresses]


def announcer(lab: NetnsLab, seg: Segment, name: str, n: int, address: str, *, manufacturer: str,
              model: str) -> tuple[Host, list[ResponderCamera]]:
    """A host on `seg` and its camera, which announces itself over WS-Discovery only (no mDNS/SSDP)."""
    host = lab.host(name, seg, address)
    return host, camera(n, [address], manufacturer=manufacturer, model=model, mac=host.mac(), multicast_extras=False)


def start_camera(lab: NetnsLab, host: Host, cameras: list[ResponderCamera], *flags: str) -> subprocess.Popen[bytes]:
    """The camera process (`flags`: camera_proc.py's, e.g. --reply-delay 3)."""
    spec = json.dumps([asdict(c) for c in cameras])
    proc = lab.python(host, [CAMERA_PROC, spec, "--multicast", *flags], stdout=subprocess.PIPE)
    return proc


def wait_ready(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == b"ready", f"camera process did not start (exit {proc.poll()})"


def wait_line(proc: subprocess.Popen[bytes], expected: bytes, *, timeout: float = 120) -> None:
    """The next line `proc` prints is `expected`, within `timeout` (generous: the machine may be loaded)."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, f"no {expected!r} from the camera process within {timeout:.0f} s"
    assert proc.stdout.readline().strip() == expected


def discover_in(lab: NetnsLab, host: Host, *args: str, timeout: float = 90) -> list[dict[str, Any]]:
    """Run `camaudit discover` inside the scanner namespace and return its JSON."""
    result = lab.run(host, [sys.executable, "-m", "scanner", "discover", *args, "--json", "-"], timeout=timeout)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def by_signal(devices: list[dict[str, Any]], signal: str) -> set[str]:
    return {d["endpoint_uuid"] or d["addresses"][0] for d in devices if signal in d["signals"]}


@pytest.fixture
def lan(netns_lab: NetnsLab) -> dict[str, Any]:
    lab = netns_lab
    a = lab.segment("198.51.100.0/24")
    b = lab.segment("203.0.113.0/24")
    router = lab.router("rt", a, b)
    scanner = lab.host("scan", a, "198.51.100.50")
    hosts = {
        "cam1": lab.host("cam1", a, "198.51.100.11"),
        "cam2": lab.host("cam2", a, "198.51.100.12"),
        "cam3": lab.host("cam3", a, "198.51.100.13"),
        "cam4": lab.host("cam4", b, "203.0.113.21"),
    }
    lab.attach(hosts["cam3"], a, "198.51.100.14")
    lab.route_via(scanner, router)
    lab.route_via(hosts["cam4"], router)
    cams = {
        "cam1": camera(1, ["198.51.100.11"], manufacturer="Axis", model="P3245-LVE", mac=hosts["cam1"].mac()),
        "cam2": camera(2, ["198.51.100.12"], manufacturer="Hikvision", model="DS-2CD2143G2",
                       mac=hosts["cam2"].mac(), discoverable=False, multicast_extras=False),
        "cam3": camera(3, ["198.51.100.13", "198.51.100.14"], manufacturer="Bosch", model="FLEXIDOME",
                       mac=hosts["cam3"].mac()),
        "cam4": camera(4, ["203.0.113.21"], manufacturer="Hanwha", model="XNV-8080R", mac=hosts["cam4"].mac()),
    }
    procs = {name: start_camera(lab, hosts[name], cams[name]) for name in cams}
    wait_ready(*procs.values())
    return {"lab": lab, "scanner": scanner, "router": router, "hosts": hosts, "cams": cams, "procs": procs,
            "segment": a}


def uuid_of(cams: list[ResponderCamera]) -> str:
    return cams[0].endpoint_uuid


def test_every_signal_finds_exactly_its_cameras(lan: dict[str, Any]) -> None:
    cams, router = lan["cams"], lan["router"]
    devices = discover_in(lan["lab"], lan["scanner"], "--targets", "198.51.100.0/24", "203.0.113.0/24",
                          "--ports", "80", str(HTTP_PORT), "--timeout", "3")
    u = {name: uuid_of(c) for name, c in cams.items()}
    router_a = router.address_on(lan["segment"])

    assert by_signal(devices, "ws-discovery") == {u["cam1"], u["cam3"]}  # multicast: LAN, discoverable only
    assert by_signal(devices, "mdns") == {u["cam1"], u["cam3"]}
    assert by_signal(devices, "ssdp") == {u["cam1"], u["cam3"]}
    assert by_signal(devices, "ws-discovery-unicast") == {u["cam1"], u["cam3"], u["cam4"]}  # routed cam4 too
    assert by_signal(devices, "tcp") == {u["cam1"], u["cam2"], u["cam3"], u["cam4"]}  # NonDiscoverable cam2 too
    assert by_signal(devices, "arp") == {u["cam1"], u["cam2"], u["cam3"], router_a}  # the attached subnet only

    # merged: one record per device, no duplicates for the two-interface camera
    assert len(devices) == 5
    uuids = [d["endpoint_uuid"] for d in devices if d["endpoint_uuid"]]
    assert sorted(uuids) == sorted(u.values())  # NonDiscoverable cam2 too: GetEndpointReference on its port
    cam3 = next(d for d in devices if d["endpoint_uuid"] == u["cam3"])
    assert set(cam3["addresses"]) == {"198.51.100.13", "198.51.100.14"}
    cam4 = next(d for d in devices if d["endpoint_uuid"] == u["cam4"])
    assert set(cam4["signals"]) == {"ws-discovery-unicast", "tcp"}
    cam2 = next(d for d in devices if "198.51.100.12" in d["addresses"])
    assert cam2["addresses"] == ["198.51.100.12"] and cam2["onvif_ports"] == [HTTP_PORT]
    assert cam2["mac"] == cams["cam2"][0].mac.lower() and cam2["endpoint_uuid"] == u["cam2"]
    # identity from each source: MAC + vendor (ARP, OUI db), manufacturer/model/serial (mDNS/SSDP), name (scopes)
    cam1 = next(d for d in devices if d["endpoint_uuid"] == u["cam1"])
    assert cam1["mac"] == cams["cam1"][0].mac.lower()
    assert (cam1["manufacturer"], cam1["model"], cam1["serial"], cam1["name"]) == ("Axis", "P3245-LVE",
                                                                                  "SN000001", "cam1")
    assert cam1["onvif_ports"] == [HTTP_PORT]


def test_hello_and_bye_are_heard(netns_lab: NetnsLab) -> None:
    lab = netns_lab
    seg = lab.segment("198.51.100.0/24")
    scanner = lab.host("scan", seg, "198.51.100.50")
    leaving, leaving_cam = announcer(lab, seg, "cam1", 1, "198.51.100.11", manufacturer="Axis", model="M3106")
    late, late_cam = announcer(lab, seg, "cam5", 5, "198.51.100.15", manufacturer="Uniview", model="IPC3614")
    leaving_proc = start_camera(lab, leaving, leaving_cam)
    wait_ready(leaving_proc)
    # a long listen: on a loaded machine the late camera's process may take seconds to start
    scan = lab.popen(scanner, [sys.executable, "-m", "scanner", "discover", "--targets", "198.51.100.0/24",
                               "--signals", "ws-discovery", "--timeout", "20", "--json", "-"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_line(leaving_proc, b"answered")  # the scanner is up and its multicast Probe has been answered
    wait_ready(start_camera(lab, late, late_cam))  # too late for the Probe: only its Hello can be heard
    leaving_proc.terminate()  # says Bye
    out, err = scan.communicate(timeout=60)
    assert scan.returncode == 0, err
    found = {d["endpoint_uuid"]: d for d in json.loads(out)}
    assert set(found) == {leaving_cam[0].endpoint_uuid, late_cam[0].endpoint_uuid}
    assert found[late_cam[0].endpoint_uuid]["signals"] == ["ws-discovery"]
    assert found[late_cam[0].endpoint_uuid]["bye"] is False
    assert found[leaving_cam[0].endpoint_uuid]["bye"] is True


def test_auto_selection_skips_docker_and_vpn_interfaces(netns_lab: NetnsLab) -> None:
    """A host with a Docker bridge and a VPN tunnel inside the scope still multicasts on its LAN card only."""
    lab = netns_lab
    seg = lab.segment("198.51.100.0/24")
    host = lab.host("h", seg, "198.51.100.50")
    for argv in (["ip", "link", "add", "docker0", "type", "bridge"],
                 ["ip", "addr", "add", "203.0.113.1/25", "dev", "docker0"],
                 ["ip", "link", "set", "docker0", "up"],
                 ["ip", "tuntap", "add", "tun0", "mode", "tun"],
                 ["ip", "addr", "add", "203.0.113.129/25", "dev", "tun0"],
                 ["ip", "link", "set", "tun0", "up"]):
        lab.exec_check(host.ns, argv)
    code = ("from probes.discovery._interfaces import select_interfaces; from probes.scope import Scope; "
            "scope = Scope.parse(['198.51.100.0/24', '203.0.113.0/24']); "
            "print([i.name for i in select_interfaces(scope)[0]]); "
            "print([i.name for i in select_interfaces(scope, ['docker0'])[0]])")
    result = lab.run(host, [sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    auto, explicit = result.stdout.splitlines()
    assert auto == "['eth0']"
    assert explicit == "['docker0']"  # named explicitly: the user's choice (the scope covers it)
