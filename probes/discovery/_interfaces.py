"""Which local interfaces multicast and ARP may use.

Auto-selection keeps real LAN interfaces (up, multicast-capable, Ethernet-like,
with an IPv4 address) and skips loopback, point-to-point links and the usual
virtual ones (docker, bridges of VMs, veth, VPN tunnels). Explicit names are
taken as given. Either way an interface is used only when the scan scope covers
its whole IPv4 subnet: a multicast Probe reaches every host of the subnet.
IPv6 (WS-Discovery on FF02::C) follows the same rule per interface: it is used
when the scope covers the whole subnet of one of its IPv6 addresses (fe80::/64
for link-local), and the Probe leaves from that address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import ifaddr

from probes.scope import Scope

IFF_UP = 0x1
IFF_LOOPBACK = 0x8
IFF_POINTOPOINT = 0x10
IFF_MULTICAST = 0x1000
ARPHRD_ETHER = 1

VIRTUAL_PREFIXES = ("lo", "docker", "br-", "veth", "virbr", "vnet", "vboxnet", "vmnet", "tun", "tap", "wg",
                    "tailscale", "zt", "utun", "ppp", "cni", "flannel", "cali", "kube", "podman", "lxc", "lxd",
                    "ifb", "dummy", "nordlynx", "ipsec", "gre", "sit")


@dataclass(frozen=True)
class Interface:
    name: str
    address: str  # IPv4
    network: ipaddress.IPv4Network

    @property
    def label(self) -> str:
        return f"{self.name} ({self.address}/{self.network.prefixlen})"


@dataclass(frozen=True)
class Interface6:
    """An IPv6 address of an interface; `index` is its scope id (FF02::C and link-local need it)."""

    name: str
    address: str  # without a zone
    network: ipaddress.IPv6Network
    index: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.address}/{self.network.prefixlen})"

    @property
    def link_local(self) -> bool:
        return self.network.network_address.is_link_local


def _sys(name: str, attr: str) -> int | None:
    try:
        return int(Path(f"/sys/class/net/{name}/{attr}").read_text().strip(), 0)
    except (OSError, ValueError):
        return None


def list_interfaces() -> list[Interface]:
    """Every IPv4 address of every interface (one entry per address)."""
    out = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries carry a tuple
            net = ipaddress.IPv4Network(f"{ip.ip}/{ip.network_prefix}", strict=False)
            out.append(Interface(adapter.nice_name, ip.ip, net))
    return out


def list_interfaces6() -> list[Interface6]:
    """Every IPv6 address of every interface (one entry per address)."""
    out = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                continue
            address = ip.ip[0].split("%", 1)[0]
            net = ipaddress.IPv6Network(f"{address}/{ip.network_prefix}", strict=False)
            out.append(Interface6(adapter.nice_name, address, net, adapter.index or ip.ip[2]))
    return out


def select_interfaces6(scope: Scope, names: tuple[str, ...] | list[str] = ()) -> tuple[list[Interface6], list[str]]:
    """One IPv6 address per interface for WS-Discovery on FF02::C (global before link-local), and notes."""
    notes: list[str] = []
    chosen: dict[str, Interface6] = {}
    for iface in sorted(list_interfaces6(), key=lambda i: i.link_local):
        if names and iface.name not in names or not names and not is_lan_candidate(iface.name)[0]:
            continue
        if iface.name in chosen:
            continue
        if iface.network.network_address.is_loopback or iface.network.prefixlen >= 127:
            continue
        if not covers(scope, iface.network):
            notes.append(f"{iface.label}: scope does not cover this IPv6 subnet, no FF02::C Probe from it")
            continue
        chosen[iface.name] = iface
    return list(chosen.values()), [n for n in notes if n.split(" ", 1)[0] not in chosen]


def is_lan_candidate(name: str) -> tuple[bool, str]:
    """Whether auto-selection may use `name`, and why not."""
    if name.startswith(VIRTUAL_PREFIXES):
        return False, "virtual/VPN/loopback interface"
    flags = _sys(name, "flags")
    if flags is not None:
        if not flags & IFF_UP:
            return False, "interface is down"
        if flags & (IFF_LOOPBACK | IFF_POINTOPOINT):
            return False, "loopback or point-to-point link"
        if not flags & IFF_MULTICAST:
            return False, "interface has no multicast"
    kind = _sys(name, "type")
    if kind is not None and kind != ARPHRD_ETHER:
        return False, f"not an Ethernet-like interface (type {kind})"
    return True, ""


def select_interfaces(scope: Scope, names: tuple[str, ...] | list[str] = ()) -> tuple[list[Interface], list[str]]:
    """Interfaces for multicast/ARP and notes on those refused (name: reason)."""
    notes: list[str] = []
    chosen: list[Interface] = []
    available = list_interfaces()
    if names:
        for name in names:
            matches = [i for i in available if i.name == name]
            if not matches:
                notes.append(f"{name}: no such interface with an IPv4 address")
            candidates = matches
            for iface in candidates:
                _admit(scope, iface, chosen, notes)
        return chosen, notes
    for iface in available:
        ok, _ = is_lan_candidate(iface.name)
        if not ok:
            continue  # silently: docker0 & co are not worth a note each
        _admit(scope, iface, chosen, notes)
    return chosen, notes


def _admit(scope: Scope, iface: Interface, chosen: list[Interface], notes: list[str]) -> None:
    if iface.address.startswith("127.") or iface.network.prefixlen >= 31:
        notes.append(f"{iface.label}: loopback or host route, no multicast")
        return
    if not covers(scope, iface.network):
        notes.append(f"{iface.label}: scope does not cover this subnet, no multicast/ARP there")
        return
    chosen.append(iface)


def covers(scope: Scope, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """True when every address of `network` is inside a scope network and none is excluded."""
    if any(ex.version == network.version and network.overlaps(ex) for ex in scope.exclude):
        return False
    if not scope.allow_public and network.network_address.is_global:
        return False
    return any(net.version == network.version and network.subnet_of(net)  # type: ignore[arg-type]
               for net in scope.networks)


@dataclass(frozen=True)
class InterfaceChoice:
    """One interface address and whether multicast/ARP will use it, with the reason (`discover --list-interfaces`)."""

    name: str
    label: str
    used: bool
    why: str


def explain_interfaces(scope: Scope, names: tuple[str, ...] | list[str] = ()) -> list[InterfaceChoice]:
    """Every IPv4 interface address and the decision `select_interfaces` makes about it, with its reason."""
    chosen, notes = select_interfaces(scope, names)
    picked = {(i.name, i.address) for i in chosen}
    out: list[InterfaceChoice] = []
    for iface in list_interfaces():
        if (iface.name, iface.address) in picked:
            how = "named with --interface/scope.interfaces" if names else "a LAN interface"
            out.append(InterfaceChoice(iface.name, iface.label, True,
                                       f"{how}, and the scope covers its whole subnet {iface.network}"))
            continue
        if names and iface.name not in names:
            why = "not among the interfaces named (--interface / scope.interfaces)"
        elif not names and not (candidate := is_lan_candidate(iface.name))[0]:
            why = candidate[1]
        else:
            why = next((n.split(": ", 1)[1] for n in notes if n.startswith(f"{iface.label}: ")), "not selected")
        out.append(InterfaceChoice(iface.name, iface.label, False, why))
    out += [InterfaceChoice(n.split(":", 1)[0], n.split(":", 1)[0], False, n.split(": ", 1)[1])
            for n in notes if ": no such interface" in n]
    return out
