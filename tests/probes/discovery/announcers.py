"""Small lab cameras for namespace discovery tests: one ResponderCamera per address, run by camera_proc.py.

Import it as `from tests.probes.discovery.announcers import camera, start`.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict
from pathlib import Path

from lab.responders import ResponderCamera
from tests.netns import Host, NetnsLab

CAMERA_PROC = str(Path(__file__).resolve().parent / "camera_proc.py")


def camera(n: int, address: str, *, model: str = "LAB") -> ResponderCamera:
    """A discoverable camera on `address` (IPv4 or IPv6) with uuid ...{n}; no mDNS/SSDP."""
    host = f"[{address}]" if ":" in address else address
    return ResponderCamera(
        endpoint_uuid=f"6f1e0c3a-0000-4000-8000-{n:012d}", address=address,
        xaddrs=[f"http://{host}:8000/onvif/device_service"], scopes=[f"onvif://www.onvif.org/name/cam{n}"],
        types=["dn:NetworkVideoTransmitter", "tds:Device"], discoverable=True, name=f"cam{n}", manufacturer="Lab",
        model=model, serial=f"SN{n}", mac="02:00:00:00:00:01", hostname=f"cam{n}", http_port=8000, mdns=False,
        ssdp=False)


def start(lab: NetnsLab, host: Host, cameras: list[ResponderCamera]) -> subprocess.Popen[bytes]:
    """Run `cameras` in `host` with multicast on (Hello now, Bye on terminate); returns once they are up."""
    proc = lab.python(host, [CAMERA_PROC, json.dumps([asdict(c) for c in cameras]), "--multicast"],
                      stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready", f"camera process did not start (exit {proc.poll()})"
    return proc
