"""Which credential sets may be tried on a device, in which order, and how many failures it may cost.

A site names several credential sets (installers, vendors and generations differ), each with a selector.
A set is only ever offered to devices its selector matches, so an undeclared (possibly rogue) device never
collects the digests of every set. Sets are tried most specific first (a named camera beats an address
range, a narrower range beats a wider one, a range beats a manufacturer, everything comes last), with at
most one failed attempt per set and scheme and at most `max_failures` failed attempts per device, well
under the lockout thresholds of common cameras (typically 5 to 7 failed logins).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import SecretStr

DEFAULT_MAX_FAILURES = 3  # failed login attempts per device and scan (documented in docs/facts.md)


@dataclass(frozen=True, slots=True)
class DeviceHints:
    """What is known about a device before credentials are sent (discovery, anonymous replies)."""

    addresses: tuple[str, ...] = ()
    endpoint_uuid: str | None = None
    mac: str | None = None
    serial: str | None = None
    manufacturers: tuple[str, ...] = ()  # from scopes, the OUI vendor, an anonymous GetDeviceInformation


@dataclass(frozen=True, slots=True)
class CredentialSelector:
    """Which devices a set applies to; a device matches if any criterion matches (`everything`: all)."""

    everything: bool = False
    addresses: tuple[str, ...] = ()  # IPs or CIDR networks
    manufacturers: tuple[str, ...] = ()  # case-insensitive; equal or a word prefix ("hik" does not match)
    endpoint_uuids: tuple[str, ...] = ()  # declared cameras, resolved by the scanner from their `match`
    macs: tuple[str, ...] = ()
    serials: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()

    def specificity(self, hints: DeviceHints) -> int | None:
        """How specific the best matching criterion is (higher first); None when the set does not apply."""
        if (hints.endpoint_uuid and hints.endpoint_uuid.lower() in self.endpoint_uuids) \
                or (hints.mac and hints.mac.lower() in self.macs) \
                or (hints.serial and hints.serial in self.serials) \
                or any(a in self.ips for a in hints.addresses):
            return 1000  # a declared camera
        best: int | None = None
        for spec in self.addresses:
            net = ipaddress.ip_network(spec, strict=False)
            for address in hints.addresses:
                try:
                    inside = ipaddress.ip_address(address) in net
                except ValueError:
                    continue
                if inside:
                    best = max(best or 0, 100 + net.prefixlen)  # /32 beats /24 beats /16
        if best is not None:
            return best
        wanted = {m.casefold() for m in self.manufacturers}
        if any(_same_maker(have, want) for have in hints.manufacturers for want in wanted):
            return 50
        return 1 if self.everything else None


def _same_maker(have: str, want: str) -> bool:
    have = have.casefold().strip()
    return have == want or have.startswith(want + " ") or have.startswith(want + ",")


@dataclass(frozen=True, slots=True)
class CredentialSet:
    """A named username/password with its selector. The password never prints (SecretStr)."""

    name: str
    username: str
    password: SecretStr
    selector: CredentialSelector = field(default_factory=lambda: CredentialSelector(everything=True))

    def __repr__(self) -> str:
        return f"CredentialSet(name={self.name!r}, username={self.username!r})"


@dataclass(frozen=True, slots=True)
class CredentialPlan:
    """Every set of the site and the per-device failure cap."""

    sets: Sequence[CredentialSet] = ()
    max_failures: int = DEFAULT_MAX_FAILURES

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError("max_failures must be at least 1")

    def select(self, hints: DeviceHints) -> list[CredentialSet]:
        """The sets that apply to this device, most specific first (file order among equals)."""
        ranked = [(rank, index, s) for index, s in enumerate(self.sets)
                  if (rank := s.selector.specificity(hints)) is not None]
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return [s for _, _, s in ranked]

    @classmethod
    def single(cls, username: str, password: str, name: str = "credentials") -> CredentialPlan:
        """The old one-set-for-every-device form."""
        return cls([CredentialSet(name, username, SecretStr(password))])
