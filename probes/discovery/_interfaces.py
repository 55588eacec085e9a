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
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
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


Adapters = Sequence[ifaddr.Adapter]


class RefusalCode(Enum):
    """What kind of refusal: callers decide by this, never by a refusal's words."""

    HOST_ROUTE = "host_route"  # a loopback address or a host route: no subnet to multicast to
    LINK = "link"  # the link cannot carry our multicast (down, loopback, point-to-point, no MULTICAST)
    NO_LINK_LOCAL = "no_link_local"  # IPv6: FF02::C needs a link-local address on the interface
    OUT_OF_SCOPE = "out_of_scope"  # the scope does not cover the whole subnet


@dataclass(frozen=True)
class Refusal:
    """Why multicast may not use an interface address: the code to decide by, the words to show."""

    code: RefusalCode
    text: str

    def __str__(self) -> str:
        return self.text


def list_interfaces(adapters: Adapters | None = None) -> list[Interface]:
    """Every IPv4 address of every interface (one entry per address); `adapters`: an enumeration already made."""
    out = []
    for adapter in ifaddr.get_adapters() if adapters is None else adapters:
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries carry a tuple
            net = ipaddress.IPv4Network(f"{ip.ip}/{ip.network_prefix}", strict=False)
            out.append(Interface(adapter.nice_name, ip.ip, net))
    return out


def list_interfaces6(adapters: Adapters | None = None) -> list[Interface6]:
    """Every IPv6 address of every interface (one entry per address); `adapters`: an enumeration already made."""
    out = []
    for adapter in ifaddr.get_adapters() if adapters is None else adapters:
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                continue
            address = ip.ip[0].split("%", 1)[0]
            net = ipaddress.IPv6Network(f"{address}/{ip.network_prefix}", strict=False)
            out.append(Interface6(adapter.nice_name, address, net, adapter.index or ip.ip[2]))
    return out


Names = tuple[str, ...] | list[str]


def select_interfaces6(scope: Scope, names: Names = (),
                       adapters: Adapters | None = None) -> tuple[list[Interface6], list[str]]:
    """One IPv6 address per interface for WS-Discovery on FF02::C (global before link-local), and notes."""
    notes: list[str] = []
    chosen: dict[str, Interface6] = {}
    available = list_interfaces6(adapters)
    with_link_local = {i.name for i in available if i.link_local}
    for iface in sorted(available, key=lambda i: i.link_local):
        if iface.name in chosen or not _considered(iface.name, names):
            continue
        why = refusal6(scope, iface, names, with_link_local)
        if why is None:
            chosen[iface.name] = iface
        elif not why.text.startswith(SILENT):
            notes.append(f"{iface.label}: {why}")
    return list(chosen.values()), [n for n in notes if n.split(" ", 1)[0] not in chosen]


SILENT = "loopback"  # refusals not worth a note in a discovery run (`--list-interfaces` shows them)


def refusal6(scope: Scope, iface: Interface6, names: Names, with_link_local: set[str]) -> Refusal | None:
    """Why FF02::C may not be used from this IPv6 address (None: it may)."""
    if iface.network.network_address.is_loopback or iface.network.prefixlen >= 127:
        return Refusal(RefusalCode.HOST_ROUTE, "loopback or host route, no multicast")
    if why := link_refusal(iface.name, named=bool(names)):
        return Refusal(RefusalCode.LINK, why)
    if iface.name not in with_link_local:
        return Refusal(RefusalCode.NO_LINK_LOCAL, "no IPv6 link-local address on this interface, so no FF02::C "
                                                  "(link-scope multicast needs one)")
    if not covers(scope, iface.network):
        return Refusal(RefusalCode.OUT_OF_SCOPE, "scope does not cover this IPv6 subnet, no FF02::C Probe from it")
    return None


def _considered(name: str, names: Names) -> bool:
    """Named interfaces only, or (no names) every LAN candidate; others are passed over without a note."""
    return name in names if names else is_lan_candidate(name)[0]


def link_refusal(name: str, *, named: bool = False) -> str | None:
    """Why the link cannot carry our multicast: down, no MULTICAST flag, loopback (point-to-point links
    only when auto-selecting: a named tunnel is the user's choice)."""
    flags = _sys(name, "flags")
    if flags is None:
        return None
    if not flags & IFF_UP:
        return "interface is down"
    if flags & IFF_LOOPBACK:
        return "loopback interface"
    if flags & IFF_POINTOPOINT and not named:
        return "loopback or point-to-point link"
    if not flags & IFF_MULTICAST:
        return "interface has no MULTICAST flag"
    return None


def is_lan_candidate(name: str) -> tuple[bool, str]:
    """Whether auto-selection may use `name`, and why not."""
    if name.startswith(VIRTUAL_PREFIXES):
        return False, "virtual/VPN/loopback interface"
    if why := link_refusal(name):
        return False, why
    kind = _sys(name, "type")
    if kind is not None and kind != ARPHRD_ETHER:
        return False, f"not an Ethernet-like interface (type {kind})"
    return True, ""


def select_interfaces(scope: Scope, names: Names = ()) -> tuple[list[Interface], list[str]]:
    """Interfaces for multicast/ARP and notes on those refused (name: reason)."""
    notes: list[str] = []
    chosen: list[Interface] = []
    available = list_interfaces()
    for name in names:
        if not any(i.name == name for i in available):
            notes.append(f"{name}: no such interface with an IPv4 address")
    for iface in available:
        if not _considered(iface.name, names):
            continue  # silently: docker0 & co are not worth a note each
        why = refusal4(scope, iface, names)
        if why is None:
            chosen.append(iface)
        else:
            notes.append(f"{iface.label}: {why}")
    return chosen, notes


def refusal4(scope: Scope, iface: Interface, names: Names) -> Refusal | None:
    """Why multicast/ARP may not use this IPv4 address (None: they may)."""
    if iface.address.startswith("127.") or iface.network.prefixlen >= 31:
        return Refusal(RefusalCode.HOST_ROUTE, "loopback or host route, no multicast")
    if why := link_refusal(iface.name, named=bool(names)):
        return Refusal(RefusalCode.LINK, why)
    if not covers(scope, iface.network):
        return Refusal(RefusalCode.OUT_OF_SCOPE, "scope does not cover this subnet, no multicast/ARP there")
    return None


def covers(scope: Scope, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """True when every address of `network` is inside a scope network and none is excluded."""
    if any(ex.version == network.version and network.overlaps(ex) for ex in scope.exclude):
        return False
    if not scope.allow_public and network.network_address.is_global:
        return False
    return any(net.version == network.version and network.subnet_of(net)  # type: ignore[arg-type]
               for net in scope.networks)
