"""Multicast on real (namespaced) LANs that misbehave (issue 20): replies that come back through another
interface, and an IGMP-snooping switch that keeps multicast from the camera.

    198.51.100.0/24 (A): scanner .50 (eth0), camera .11 (eth0)
    203.0.113.0/24  (B): scanner .50 (eth1), camera .21 (eth1)

Multi-homed: the camera answers from its B address (lab mode `reply_from`) and routes the scanner's A
address through B, so the Probe leaves the scanner on eth0 and the ProbeMatch arrives on eth1. It is
accepted when the responder's address is in scope, and dropped when it is not.
IGMP snooping (`NetnsLab.snoop`: the switch port floods no multicast to the camera): the multicast Probe
never reaches it, and the unicast Probe to every in-scope address (which runs alongside) finds it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from typing import Any

import pytest

from lab.responders import ResponderCamera
from tests.netns import Host, NetnsLab
from tests.probes.discovery.announcers import camera, start

pytestmark = [pytest.mark.netns, pytest.mark.slow]

def _discover(lab: NetnsLab, scanner: Host, *args: str) -> tuple[list[dict[str, Any]], str]:
    result = lab.run(scanner, [sys.executable, "-m", "scanner", "-vv", "discover", *args, "--timeout", "2", "--json",
                               "-"], timeout=90, env={**os.environ, "COLUMNS": "300"})
    assert result.returncode == 0, result.stderr
    devices: list[dict[str, Any]] = json.loads(result.stdout)
    return devices, result.stderr


def _multi_homed(lab: NetnsLab) -> tuple[Host, ResponderCamera]:
    a, b = lab.segment("198.51.100.0/24"), lab.segment("203.0.113.0/24")
    scanner, cam = lab.host("scan", a, "198.51.100.50"), lab.host("cam", a, "198.51.100.11")
    lab.attach(scanner, b, "203.0.113.50")
    lab.attach(cam, b, "203.0.113.21")
    # the camera reaches the scanner's A address through B: its answers arrive on the scanner's eth1
    lab.exec_check(cam.ns, ["ip", "route", "add", "198.51.100.50/32", "via", "203.0.113.50", "dev", "eth1"])
    # strict reverse-path filter on the scanner: an answer from 203.0.113.21 is taken only on eth1, so the
    # test fails if it came back the way the Probe went
    lab.exec_check(scanner.ns, ["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1"])
    answering = replace(camera(1, "198.51.100.11", model="MH"), reply_from="203.0.113.21")
    start(lab, cam, [answering])
    return scanner, answering


def test_a_reply_arriving_on_another_interface_is_accepted_from_an_in_scope_address(netns_lab: NetnsLab) -> None:
    scanner, answering = _multi_homed(netns_lab)
    devices, _ = _discover(netns_lab, scanner, "--targets", "198.51.100.0/24", "203.0.113.0/24",
                           "--signals", "ws-discovery", "--interface", "eth0")  # the Probe leaves on eth0 only
    (device,) = devices
    assert device["endpoint_uuid"] == answering.endpoint_uuid and device["signals"] == ["ws-discovery"]
    assert device["addresses"] == ["203.0.113.21", "198.51.100.11"]  # the responder, then its in-scope XAddr
    assert device["segment"] == "eth0 198.51.100.0/24"  # where the Probe went out


def test_a_reply_from_an_address_outside_the_scope_is_dropped(netns_lab: NetnsLab) -> None:
    scanner, _ = _multi_homed(netns_lab)
    devices, log = _discover(netns_lab, scanner, "--targets", "198.51.100.0/24", "--signals", "ws-discovery",
                             "--interface", "eth0")
    assert devices == []
    assert "ignored WS-Discovery reply from 203.0.113.21: outside the scope" in log, log


def test_igmp_snooping_keeps_the_multicast_probe_away_and_unicast_finds_thecamera(netns_lab: NetnsLab) -> None:
    lab = netns_lab
    seg = lab.segment("198.51.100.0/24")
    scanner = lab.host("scan", seg, "198.51.100.50")
    snooped, open_port = lab.host("cam1", seg, "198.51.100.11"), lab.host("cam2", seg, "198.51.100.12")
    lab.snoop(snooped)
    cams = {"snooped": camera(1, "198.51.100.11"), "open": camera(2, "198.51.100.12")}
    start(lab, snooped, [cams["snooped"]])
    start(lab, open_port, [cams["open"]])

    devices, _ = _discover(lab, scanner, "--targets", "198.51.100.0/24", "--signals", "ws-discovery",
                           "ws-discovery-unicast")
    signals = {d["endpoint_uuid"]: d["signals"] for d in devices}
    assert signals[cams["open"].endpoint_uuid] == ["ws-discovery", "ws-discovery-unicast"]  # control
    assert signals[cams["snooped"].endpoint_uuid] == ["ws-discovery-unicast"]  # multicast never arrived

    only_multicast, _ = _discover(lab, scanner, "--targets", "198.51.100.0/24", "--signals", "ws-discovery")
    assert [d["endpoint_uuid"] for d in only_multicast] == [cams["open"].endpoint_uuid]


def test_behind_mld_snooping_an_ipv6_camera_is_found_by_the_unicast_probe(netns_lab: NetnsLab) -> None:
    """The same over IPv6: FF02::C never reaches the camera, a unicast Probe to its address (a named /128)
    does. The switch port drops neighbour solicitations too (multicast), so the scanner knows its MAC."""
    lab = netns_lab
    seg = lab.segment("198.51.100.0/24")
    scanner, cam = lab.host("scan", seg, "198.51.100.50"), lab.host("cam", seg, "198.51.100.11")
    lab.ipv6(scanner, "2001:db8:20::50")
    lab.ipv6(cam, "2001:db8:20::11")
    lab.snoop(cam)
    lab.exec_check(scanner.ns, ["ip", "-6", "neigh", "replace", "2001:db8:20::11", "lladdr", cam.mac(), "dev", "eth0",
                                "nud", "permanent"])
    snooped = camera(6, "2001:db8:20::11", model="MH6")
    start(lab, cam, [snooped])

    devices, _ = _discover(lab, scanner, "--targets", "2001:db8:20::/64", "2001:db8:20::11", "--signals",
                           "ws-discovery", "ws-discovery-unicast")
    (device,) = devices
    assert device["endpoint_uuid"] == snooped.endpoint_uuid
    assert device["signals"] == ["ws-discovery-unicast"] and device["addresses"] == ["2001:db8:20::11"]
    only_multicast, _ = _discover(lab, scanner, "--targets", "2001:db8:20::/64", "--signals", "ws-discovery")
    assert only_multicast == []  # FF02::C did not get through
