"""`discover --list-interfaces` decides by the refusal's code, not its words, from one enumeration of adapters."""

from __future__ import annotations

import ipaddress

import ifaddr
import pytest

from probes.discovery import _explain
from probes.discovery._interfaces import Interface, Interface6, RefusalCode, refusal4, refusal6
from probes.scope import Scope

NO_SUCH = "camaudit-none0"  # no /sys entry: the link itself refuses nothing


def _v6(address: str, prefix: int = 64) -> Interface6:
    return Interface6(NO_SUCH, address, ipaddress.IPv6Network(f"{address}/{prefix}", strict=False), 99)


def test_every_refusal_carries_its_code() -> None:
    v4_only = Scope.parse(["198.51.100.0/24"])
    wide = Interface(NO_SUCH, "203.0.113.10", ipaddress.IPv4Network("203.0.113.0/24"))
    assert (refusal4(v4_only, wide, ()) or pytest.fail()).code is RefusalCode.OUT_OF_SCOPE
    host = Interface(NO_SUCH, "198.51.100.10", ipaddress.IPv4Network("198.51.100.10/32"))
    assert (refusal4(v4_only, host, ()) or pytest.fail()).code is RefusalCode.HOST_ROUTE
    assert refusal4(v4_only, Interface(NO_SUCH, "198.51.100.10", ipaddress.IPv4Network("198.51.100.0/24")), ()) \
        is None

    v6 = Scope.parse(["2001:db8:20::/64"])
    global6 = _v6("2001:db8:21::10")
    assert (refusal6(v6, global6, (), set()) or pytest.fail()).code is RefusalCode.NO_LINK_LOCAL
    assert (refusal6(v6, global6, (), {NO_SUCH}) or pytest.fail()).code is RefusalCode.OUT_OF_SCOPE
    assert (refusal6(v6, _v6("::1", 128), (), {NO_SUCH}) or pytest.fail()).code is RefusalCode.HOST_ROUTE


def test_out_of_scope_with_no_ipv6_scope_says_so_other_refusals_keep_their_words() -> None:
    v4_only = Scope.parse(["198.51.100.0/24"])
    out = _explain._row6(v4_only, _v6("2001:db8:21::10"), (), {NO_SUCH}, set(), has_v6_scope=False)
    assert (out.used, out.why) == (False, "the scope has no IPv6 network: no FF02::C")
    out = _explain._row6(v4_only, _v6("2001:db8:21::10"), (), set(), set(), has_v6_scope=False)
    assert out.why.startswith("no IPv6 link-local address on this interface")


def test_the_adapters_are_enumerated_once_per_explanation(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = ifaddr.get_adapters

    def counted(*args: object, **kw: object) -> object:
        calls.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(ifaddr, "get_adapters", counted)
    rows = _explain.explain_interfaces(Scope.parse(["198.51.100.0/24"]), names=("lo", NO_SUCH, "eth7"))
    assert len(calls) == 1
    assert {(r.name, r.why) for r in rows if r.name in (NO_SUCH, "eth7")} == {
        (NO_SUCH, "no such interface"), ("eth7", "no such interface")}
