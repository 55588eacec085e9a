"""`camaudit discover --list-interfaces` (issue 20): per interface and family (IPv4, IPv6 global and
link-local), whether multicast is used and why, in a throw-away network namespace with a dual-stack veth;
nothing is sent."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from tests.netns import Host, NetnsLab, netns_unavailable_reason

pytestmark = [pytest.mark.netns]

GLOBAL6 = "2001:db8:20::10"


@pytest.fixture
def host() -> Iterator[tuple[NetnsLab, Host]]:
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab("ifs") as lab:
        yield lab, lab.host("scan", lab.segment("198.51.100.0/24"), "198.51.100.10")


Rows = dict[tuple[str, str, str], tuple[str, str]]  # (interface, family, address) -> (used, why)


def _rows(lab: NetnsLab, host: Host, *args: str) -> Rows:
    result = lab.run(host, [sys.executable, "-m", "scanner", "discover", *args, "--list-interfaces"],
                     env={**os.environ, "COLUMNS": "400"})
    assert result.returncode == 0, result.stderr
    rows: Rows = {}
    key = None
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) != 5:
            continue
        if cells[0]:
            key = (cells[0], cells[1], cells[2])
            rows[key] = (cells[3], cells[4])
        elif key is not None:  # a folded "why"
            rows[key] = (rows[key][0], f"{rows[key][1]} {cells[4]}")
    return rows


def test_an_interface_is_used_when_the_scope_covers_its_subnet(host: tuple[NetnsLab, Host]) -> None:
    lab, scanner = host
    rows = _rows(lab, scanner, "--targets", "198.51.100.0/24")
    used, why = rows[("eth0", "IPv4", "198.51.100.10/24")]
    assert used == "yes" and "scope covers its whole subnet 198.51.100.0/24" in why
    assert rows[("lo", "IPv4", "127.0.0.1/8")] == ("no", "virtual/VPN/loopback interface")
    # the lab's namespaces have IPv6 off: said so, per interface
    assert rows[("eth0", "IPv6", "-")] == ("no", "no IPv6 address (IPv6 off or not configured): no FF02::C")


def test_a_partly_covered_subnet_is_not_used_and_says_why(host: tuple[NetnsLab, Host]) -> None:
    lab, scanner = host
    rows = _rows(lab, scanner, "--targets", "198.51.100.0/25")
    used, why = rows[("eth0", "IPv4", "198.51.100.10/24")]
    assert used == "no" and "scope does not cover this subnet" in why
    rows = _rows(lab, scanner, "--targets", "198.51.100.0/24", "--interface", "eth7")
    assert rows[("eth7", "IPv4", "-")] == ("no", "no such interface")
    assert rows[("eth0", "IPv4", "198.51.100.10/24")][1].startswith("not among the interfaces named")


def test_dual_stack_rows_say_which_address_ff02_c_leaves_from(host: tuple[NetnsLab, Host]) -> None:
    lab, scanner = host
    link_local = lab.ipv6(scanner, GLOBAL6)
    v4, v6, ll = ("eth0", "IPv4", "198.51.100.10/24"), ("eth0", "IPv6", f"{GLOBAL6}/64"), \
        ("eth0", "IPv6", f"{link_local}/64")

    rows = _rows(lab, scanner, "--targets", "198.51.100.0/24", "2001:db8:20::/64")
    assert rows[v4][0] == "yes"
    assert rows[v6][0] == "yes" and "WS-Discovery on FF02::C from this address" in rows[v6][1]
    assert rows[ll] == ("no", "scope does not cover this IPv6 subnet, no FF02::C Probe from it")

    rows = _rows(lab, scanner, "--targets", "198.51.100.0/24", "fe80::/64")  # link-local only
    assert rows[ll][0] == "yes" and rows[v6][0] == "no"

    rows = _rows(lab, scanner, "--targets", "198.51.100.0/24", "fe80::/64", "2001:db8:20::/64")
    assert rows[v6][0] == "yes"  # global before link-local, one address per interface
    assert rows[ll] == ("no", f"in scope, but FF02::C leaves from {GLOBAL6} (one address per interface, global "
                              "first)")

    rows = _rows(lab, scanner, "--targets", "198.51.100.0/24")
    assert rows[v6] == ("no", "the scope has no IPv6 network: no FF02::C")
    assert rows[("lo", "IPv6", "::1/128")] == ("no", "virtual/VPN/loopback interface")


def test_no_link_local_no_multicast_flag_or_down_is_said(host: tuple[NetnsLab, Host]) -> None:
    lab, scanner = host
    lab.ipv6(scanner, GLOBAL6)
    lab.attach(scanner, lab.segment("203.0.113.0/24"), "203.0.113.10")
    lab.ipv6(scanner, "2001:db8:21::10", ifname="eth1")
    lab.exec_check(scanner.ns, ["ip", "-6", "addr", "flush", "dev", "eth1", "scope", "link"])
    targets = ["--targets", "198.51.100.0/24", "203.0.113.0/24", "2001:db8:20::/64", "2001:db8:21::/64"]

    rows = _rows(lab, scanner, *targets)
    assert rows[("eth1", "IPv4", "203.0.113.10/24")][0] == "yes"
    assert rows[("eth1", "IPv6", "2001:db8:21::10/64")] == (
        "no", "no IPv6 link-local address on this interface, so no FF02::C (link-scope multicast needs one)")

    lab.exec_check(scanner.ns, ["ip", "link", "set", "eth1", "multicast", "off"])
    rows = _rows(lab, scanner, *targets)
    assert rows[("eth1", "IPv4", "203.0.113.10/24")] == ("no", "interface has no MULTICAST flag")
    rows = _rows(lab, scanner, *targets, "--interface", "eth1")  # named: still refused, the link cannot do it
    assert rows[("eth1", "IPv4", "203.0.113.10/24")] == ("no", "interface has no MULTICAST flag")

    lab.exec_check(scanner.ns, ["ip", "link", "set", "eth1", "down"])
    rows = _rows(lab, scanner, *targets)
    assert rows[("eth1", "IPv4", "203.0.113.10/24")] == ("no", "interface is down")
    assert rows[("eth0", "IPv4", "198.51.100.10/24")][0] == "yes"
