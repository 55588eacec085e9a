"""Reads over IPv6 (issue 20): a captured camera replayed on an IPv6 address in one network namespace,
read from another over a global (documentation-range) and a link-local address; scope rules for IPv6.

The namespaces are throw-away (tests/netns.py); the camera is a corpus archive served by
`camaudit lab replay`, the read is `python -m probes.onvif` as a scan would do it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from probes.scope import Scope, ScopeError
from tests.netns import Host, NetnsLab, netns_unavailable_reason
from tests.support.replay_netns import EXPECTED, PORT, read_device, serve_replay

CAM6, SCAN6 = "2001:db8:20::10", "2001:db8:20::20"


@pytest.fixture
def lan() -> Iterator[tuple[NetnsLab, Host, Host]]:
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab("v6") as lab:
        segment = lab.segment("198.51.100.0/24")
        cam, scanner = lab.host("cam", segment), lab.host("scan", segment)
        lab.ipv6(cam, CAM6)
        lab.ipv6(scanner, SCAN6)
        yield lab, cam, scanner


def test_read_over_a_global_ipv6_address(lan: tuple[NetnsLab, Host, Host]) -> None:
    lab, cam, scanner = lan
    serve_replay(lab, cam, CAM6)
    sheet = read_device(lab, scanner, f"[{CAM6}]:{PORT}")
    facts = sheet["facts"]
    assert isinstance(facts, dict)
    assert facts["identity.model"]["value"] == EXPECTED["identity.model"]["value"]
    assert facts["users"]["value"] == EXPECTED["users"]["value"]
    assert sheet["address"] == CAM6 and f"[{CAM6}]:{PORT}" in str(sheet["xaddr"])
    assert sheet["read"]["status"] == "read_fully"  # type: ignore[index]


def test_scope_rules_apply_to_ipv6() -> None:
    scope = Scope.parse(["2001:db8:20::/64"])
    assert scope.contains(CAM6) and not scope.contains("2001:db8:21::10") and not scope.contains("198.51.100.10")
    with pytest.raises(ScopeError):
        Scope.parse(["2a00:1450::/32"])  # globally routable: refused without allow_public
    assert Scope.parse(["fe80::/64"]).contains("fe80::1")
    # a /64 is in scope for discovery and named hosts, never swept; `unswept` says so
    assert scope.unswept == scope.networks and list(scope.hosts()) == []
    assert list(Scope.parse(["2001:db8:20::/126"]).hosts()) != []


def test_read_over_an_ipv6_link_local_address(lan: tuple[NetnsLab, Host, Host]) -> None:
    lab, cam, scanner = lan
    cam_ll = lab.ipv6(cam)
    serve_replay(lab, cam, f"{cam_ll}%eth0")
    sheet = read_device(lab, scanner, f"[{cam_ll}%eth0]:{PORT}")  # the zone is the scanner's own interface
    facts = sheet["facts"]
    assert isinstance(facts, dict)
    assert facts["identity.model"]["value"] == EXPECTED["identity.model"]["value"]
    assert sheet["read"]["status"] == "read_fully"  # type: ignore[index]
