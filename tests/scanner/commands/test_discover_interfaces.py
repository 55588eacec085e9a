"""`camaudit discover --list-interfaces` (issue 20): which interfaces multicast and ARP use and why, in a
throw-away network namespace with a LAN interface; nothing is sent."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from tests.netns import Host, NetnsLab, netns_unavailable_reason


@pytest.fixture
def host() -> Iterator[tuple[NetnsLab, Host]]:
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab("ifs") as lab:
        yield lab, lab.host("scan", lab.segment("198.51.100.0/24"), "198.51.100.10")


def _rows(lab: NetnsLab, host: Host, *args: str) -> dict[str, str]:
    result = lab.run(host, [sys.executable, "-m", "scanner", "discover", *args, "--list-interfaces"],
                     env={**os.environ, "COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    return {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.startswith("│")}


def test_an_interface_is_used_when_the_scope_covers_its_subnet(host: tuple[NetnsLab, Host]) -> None:
    lab, scanner = host
    rows = _rows(lab, scanner, "--targets", "198.51.100.0/24")
    assert "198.51.100.10/24" in rows["eth0"] and "│ yes" in rows["eth0"]
    assert "scope covers its whole subnet 198.51.100.0/24" in rows["eth0"]
    assert "│ no" in rows["lo"] and "loopback" in rows["lo"]


def test_a_partly_covered_subnet_is_not_used_and_says_why(host: tuple[NetnsLab, Host]) -> None:
    lab, scanner = host
    rows = _rows(lab, scanner, "--targets", "198.51.100.0/25")
    assert "│ no" in rows["eth0"] and "scope does not cover this subnet" in rows["eth0"]
    rows = _rows(lab, scanner, "--targets", "198.51.100.0/24", "--interface", "eth7")
    assert "no such interface" in rows["eth7"] and "not among the interfaces named" in rows["eth0"]
