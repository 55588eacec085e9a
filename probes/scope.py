"""Scan scope: which addresses camaudit may send traffic to.

Every probe asks the scope before it sends anything. Globally routable
addresses are refused unless the user explicitly allowed them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from probes.errors import InputError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_HOSTS = 65536  # a larger scope is almost certainly a typo (/15 and up)
MIN_SWEPT_IPV6_PREFIX = 112  # an IPv6 network wider than this is never swept (a /64 has 2**64 addresses)


class ScopeError(InputError, ValueError):
    """A target is malformed, too large, public without permission, or outside the scope."""


def is_public(network: IPNetwork | IPAddress) -> bool:
    """Globally routable (not private, loopback, link-local, documentation, CGNAT ...)."""
    if isinstance(network, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return network.network_address.is_global or network.broadcast_address.is_global
    return network.is_global


@dataclass(frozen=True)
class Scope:
    """A set of networks; `contains` is the gate every probe goes through."""

    networks: tuple[IPNetwork, ...]
    allow_public: bool = False
    exclude: tuple[IPNetwork, ...] = field(default=())

    @classmethod
    def parse(cls, targets: Iterable[str], *, allow_public: bool = False,
              exclude: Iterable[str] = ()) -> Scope:
        nets = tuple(_parse_network(t) for t in targets)
        excl = tuple(_parse_network(t) for t in exclude)
        scope = cls(nets, allow_public, excl)
        scope.validate()
        return scope

    def validate(self) -> None:
        total = 0
        for net in self.networks:
            if is_public(net) and not self.allow_public:
                raise ScopeError(
                    f"{net} contains globally routable addresses; set allow_public: true "
                    "(or --allow-public) if you really own them")
            if not _unsweepable(net):  # an IPv6 LAN (/64) is in scope for discovery and named hosts only
                total += net.num_addresses
        if total > MAX_HOSTS:
            raise ScopeError(f"scope covers {total} addresses, more than the limit of {MAX_HOSTS}")

    def contains(self, address: str | IPAddress) -> bool:
        try:
            ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        except ValueError:
            return False
        if any(ip in net for net in self.exclude):
            return False
        if is_public(ip) and not self.allow_public:
            return False
        return any(ip in net for net in self.networks)

    def require(self, address: str) -> None:
        """Raise ScopeError unless `address` may be probed."""
        if not self.contains(address):
            raise ScopeError(f"{address} is outside the scan scope")

    def hosts(self) -> Iterator[IPAddress]:
        """Every probe-able host address in scope (network/broadcast skipped for /30 and larger)."""
        seen: set[IPAddress] = set()
        for net in self.networks:
            if _unsweepable(net):
                continue  # listed by `unswept`, so coverage can say so
            hosts: Iterator[IPAddress] = net.hosts() if net.num_addresses > 2 else iter(net)
            for ip in hosts:
                if ip not in seen and self.contains(ip):
                    seen.add(ip)
                    yield ip


    @property
    def unswept(self) -> tuple[IPNetwork, ...]:
        """IPv6 networks in scope too wide to sweep: only multicast discovery and named hosts reach them."""
        return tuple(net for net in self.networks if _unsweepable(net))


def _unsweepable(net: IPNetwork) -> bool:
    return net.version == 6 and net.prefixlen < MIN_SWEPT_IPV6_PREFIX


def _parse_network(text: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError as exc:
        raise ScopeError(f"{text!r} is not an IP address or CIDR network") from exc
