"""WS-Discovery Hello and Bye over IPv4 (239.255.255.250) and IPv6 (FF02::C), in network namespaces.

One segment (198.51.100.0/24 and 2001:db8:20::/64) with a scanner, a camera host that leaves (says Bye),
a camera host that comes up late (says Hello) and a stranger on the same link whose addresses are outside
the scope (203.0.113.7, 2001:db8:99::7): its announcements reach the scanner but must not be heard.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import pytest

from tests.netns import NetnsLab
from tests.probes.discovery.announcers import camera, start

pytestmark = [pytest.mark.netns, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
HELLO_PROC = str(HERE / "hello_proc.py")
SCOPE = ["198.51.100.0/24", "2001:db8:20::/64"]


def _ask(listener: subprocess.Popen[str], line: str) -> str:
    stdin, stdout = listener.stdin, listener.stdout
    assert stdin is not None and stdout is not None
    stdin.write(line + "\n")
    stdin.flush()
    return stdout.readline().strip()


def test_hello_and_bye_are_heard_on_ipv4_and_ff02_c_in_scope_only(netns_lab: NetnsLab) -> None:
    lab = netns_lab
    seg = lab.segment("198.51.100.0/24")
    scanner = lab.host("scan", seg, "198.51.100.50")
    leaving = lab.host("leave", seg, "198.51.100.11")
    late = lab.host("late", seg, "198.51.100.15")
    stranger = lab.host("stray", seg, "198.51.100.99")
    lab.ipv6(scanner, "2001:db8:20::50")
    lab.ipv6(leaving, "2001:db8:20::11")
    lab.ipv6(late, "2001:db8:20::15")
    lab.ipv6(stranger, "2001:db8:99::7")  # same link, another IPv6 subnet: outside the scope
    lab.exec_check(stranger.ns, ["ip", "addr", "add", "203.0.113.7/24", "dev", "eth0"])

    leaving_cams = [camera(1, "198.51.100.11"), camera(2, "2001:db8:20::11")]
    late_cams = [camera(3, "198.51.100.15"), camera(4, "2001:db8:20::15")]
    stray_cams = [camera(5, "203.0.113.7"), camera(6, "2001:db8:99::7")]
    leaving_proc = start(lab, leaving, leaving_cams)
    listener = lab.popen(scanner, [sys.executable, HELLO_PROC, *SCOPE], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    out: IO[str] | None = listener.stdout
    assert out is not None
    assert out.readline().strip() == "listening"

    stray_proc = start(lab, stranger, stray_cams)  # its Hellos go out first, on the same link
    start(lab, late, late_cams)
    for cam in late_cams:
        assert _ask(listener, f"{cam.endpoint_uuid} hello") == "heard", cam.address
    leaving_proc.terminate()  # says Bye on 239.255.255.250 and on FF02::C
    assert leaving_proc.wait(timeout=10) == 0
    stray_proc.terminate()  # and so does the stranger, still outside the scope
    stray_proc.wait(timeout=10)
    for cam in leaving_cams:
        assert _ask(listener, f"{cam.endpoint_uuid} bye") == "heard", cam.address
    stdin = listener.stdin
    assert stdin is not None
    stdin.close()
    devices: list[dict[str, Any]] = json.loads(out.readline())
    assert listener.wait(timeout=10) == 0

    by_uuid: dict[str, list[dict[str, Any]]] = {}
    for device in devices:
        by_uuid.setdefault(device["endpoint_uuid"], []).append(device)
    assert set(by_uuid) == {c.endpoint_uuid for c in [*leaving_cams, *late_cams]}  # no stranger
    for cam in late_cams:
        (hello,) = by_uuid[cam.endpoint_uuid]
        assert hello["addresses"] == [cam.address] and hello["bye"] is False
        assert hello["signals"] == ["ws-discovery"] and hello["xaddrs"] == cam.xaddrs
    for cam in leaving_cams:
        (bye,) = by_uuid[cam.endpoint_uuid]
        assert bye["addresses"] == [cam.address] and bye["bye"] is True
        assert bye["signals"] == ["ws-discovery", "ws-discovery-bye"]
    ipv6_bye = by_uuid[leaving_cams[1].endpoint_uuid][0]
    assert ipv6_bye["segment"] == "eth0 2001:db8:20::/64"  # heard on the scanner's FF02::C socket of eth0
