"""Why multicast will or will not use each interface address, per family (`discover --list-interfaces`).

The rows come from the same decisions discovery makes (`_interfaces.refusal4`/`refusal6`), so the
list cannot disagree with a run: IPv4 multicast/ARP per address, FF02::C from one IPv6 address per
interface (global before link-local), and a row for a family an interface has no address of.
The adapters are enumerated once per explanation, so every row describes the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import ifaddr

from probes.discovery._interfaces import (
    Adapters,
    Interface,
    Interface6,
    Names,
    RefusalCode,
    is_lan_candidate,
    list_interfaces,
    list_interfaces6,
    refusal4,
    refusal6,
    select_interfaces6,
)
from probes.scope import Scope

Family = Literal["IPv4", "IPv6"]
NONE = "-"


@dataclass(frozen=True)
class InterfaceChoice:
    """One interface address and whether multicast will use it, with the reason."""

    name: str
    family: Family
    address: str  # "198.51.100.10/24", "fe80::1/64"; NONE when the interface has no address of the family
    used: bool
    why: str


def explain_interfaces(scope: Scope, names: Names = ()) -> list[InterfaceChoice]:
    """Every interface's IPv4 and IPv6 addresses and the decision discovery makes about each."""
    adapters = list(ifaddr.get_adapters())
    v4, v6 = list_interfaces(adapters), list_interfaces6(adapters)
    chosen6 = {(i.name, i.address) for i in select_interfaces6(scope, names, adapters)[0]}
    with_link_local = {i.name for i in v6 if i.link_local}
    has_v6_scope = any(net.version == 6 for net in scope.networks)
    present = {a.nice_name for a in adapters}
    out: list[InterfaceChoice] = []
    for name in _names_in_order(adapters, v4, v6, names):
        mine4, mine6 = [i for i in v4 if i.name == name], [i for i in v6 if i.name == name]
        if why := _passed_over(name, names, present):
            out += [InterfaceChoice(name, "IPv4", _cidr(i), False, why) for i in mine4] or [
                InterfaceChoice(name, "IPv4", NONE, False, why)]
            out += [InterfaceChoice(name, "IPv6", _cidr(i), False, why) for i in mine6] or [
                InterfaceChoice(name, "IPv6", NONE, False, why)]
            continue
        out += [_row4(scope, i, names) for i in mine4] or [
            InterfaceChoice(name, "IPv4", NONE, False, "no IPv4 address: no IPv4 multicast or ARP here")]
        out += [_row6(scope, i, names, with_link_local, chosen6, has_v6_scope) for i in mine6] or [
            InterfaceChoice(name, "IPv6", NONE, False, "no IPv6 address (IPv6 off or not configured): no FF02::C")]
    return out


def _names_in_order(adapters: Adapters, v4: list[Interface], v6: list[Interface6], names: Names) -> list[str]:
    """Every interface the system has (with or without addresses), then named ones it does not have."""
    found = [a.nice_name for a in adapters] + [i.name for i in v4] + [i.name for i in v6]
    return list(dict.fromkeys([*found, *names]))


def _passed_over(name: str, names: Names, present: set[str]) -> str | None:
    """Why an interface is not considered at all (not named, no such interface, not a LAN interface);
    `present`: the names of the interfaces the system has."""
    if names:
        if name not in names:
            return "not among the interfaces named (--interface / scope.interfaces)"
        if name not in present:
            return "no such interface"
        return None
    ok, why = is_lan_candidate(name)
    return None if ok else why


def _cidr(iface: Interface | Interface6) -> str:
    return f"{iface.address}/{iface.network.prefixlen}"


def _how(names: Names) -> str:
    return "named with --interface/scope.interfaces" if names else "a LAN interface"


def _row4(scope: Scope, iface: Interface, names: Names) -> InterfaceChoice:
    address = _cidr(iface)
    why = refusal4(scope, iface, names)
    if why is not None:
        return InterfaceChoice(iface.name, "IPv4", address, False, why.text)
    return InterfaceChoice(iface.name, "IPv4", address, True,
                           f"{_how(names)}, up with MULTICAST, and the scope covers its whole subnet {iface.network}: "
                           "239.255.255.250 (WS-Discovery, SSDP), mDNS and ARP")


def _row6(scope: Scope, iface: Interface6, names: Names, with_link_local: set[str], chosen: set[tuple[str, str]],
          has_v6_scope: bool) -> InterfaceChoice:
    address = _cidr(iface)
    why = refusal6(scope, iface, names, with_link_local)
    if why is not None:
        text = "the scope has no IPv6 network: no FF02::C" \
            if why.code is RefusalCode.OUT_OF_SCOPE and not has_v6_scope else why.text
        return InterfaceChoice(iface.name, "IPv6", address, False, text)
    if (iface.name, iface.address) in chosen:
        return InterfaceChoice(iface.name, "IPv6", address, True,
                               f"{_how(names)}, up with MULTICAST and a link-local address, and the scope covers its "
                               f"whole subnet {iface.network}: WS-Discovery on FF02::C from this address")
    other = next(a for n, a in chosen if n == iface.name)
    return InterfaceChoice(iface.name, "IPv6", address, False,
                           f"in scope, but FF02::C leaves from {other} (one address per interface, global first)")
