"""MAC vendors from the OUI database, and which interfaces multicast may use (pure logic, no traffic)."""

from __future__ import annotations

import ipaddress

import pytest

from probes.discovery._interfaces import covers, is_lan_candidate, select_interfaces
from probes.discovery._oui import normalize_mac, vendor_for
from probes.scope import Scope


@pytest.mark.parametrize(("mac", "vendor"), [
    ("00:40:8C:12:34:56", "Axis Communications AB"),
    ("ACCC8E000001", "Axis Communications AB"),
    ("bc-ad-28-00-00-01", "Hangzhou Hikvision Digital Technology Co.,Ltd."),
    ("02:00:00:00:00:01", None),  # locally administered
    ("not a mac", None),
    (None, None),
])
def test_vendor_for(mac: str | None, vendor: str | None) -> None:
    assert vendor_for(mac) == vendor


def test_normalize_mac() -> None:
    assert normalize_mac("00408C-12.34:56") == "00:40:8c:12:34:56"
    assert normalize_mac("00:00:00:00:00:00") is None


def test_scope_must_cover_the_whole_subnet() -> None:
    net = ipaddress.IPv4Network("198.51.100.0/24")
    assert covers(Scope.parse(["198.51.100.0/24"]), net)
    assert covers(Scope.parse(["198.51.100.0/24"]), ipaddress.IPv4Network("198.51.100.128/25"))
    assert not covers(Scope.parse(["198.51.100.0/25"]), net)  # multicast would reach out-of-scope hosts
    assert not covers(Scope.parse(["198.51.100.0/24"], exclude=["198.51.100.7"]), net)
    assert not covers(Scope.parse(["203.0.113.0/24"]), net)


@pytest.mark.parametrize("name", ["lo", "docker0", "br-1a2b", "veth12ab", "virbr0", "tun0", "wg0", "tailscale0"])
def test_virtual_interfaces_are_not_auto_selected(name: str) -> None:
    assert is_lan_candidate(name) == (False, "virtual/VPN/loopback interface")


def test_loopback_never_carries_multicast_even_when_asked() -> None:
    everything_local = Scope((ipaddress.IPv4Network("127.0.0.0/8"),))  # bigger than parse() allows
    chosen, notes = select_interfaces(everything_local, ["lo"])
    assert chosen == []
    assert any("loopback" in n for n in notes)
    chosen, notes = select_interfaces(everything_local, ["no-such-if0"])
    assert chosen == [] and "no such interface" in notes[0]


def test_auto_selection_needs_a_covering_scope() -> None:
    chosen, _ = select_interfaces(Scope.parse(["127.88.0.0/24"]))
    assert chosen == []  # no interface of this machine lies inside 127.88.0.0/24
