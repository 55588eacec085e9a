"""Throw-away LANs in Linux network namespaces, for tests that need multicast, ARP or routing.

    with NetnsLab() as lab:                       # everything is removed on exit, even after a failure
        lan = lab.segment("198.51.100.0/24")      # a bridge, in its own "switch" namespace
        cam = lab.host("cam1", lan)               # namespace with eth0 = 198.51.100.10/24
        scanner = lab.host("scan", lan)
        proc = lab.popen(cam, [sys.executable, "-m", "some.module"])
        out = lab.run(scanner, ["ping", "-c1", cam.address]).stdout

Safety: only RFC 5737 documentation ranges (IPv6: 2001:db8::/32 through `lab.ipv6(host, address)`) are
accepted, and never one that overlaps an address of the namespace the tests run in; nothing is
attached to the host's own interfaces (bridges live in a private namespace). Names carry the pid, so
parallel runs do not collide. Use the `netns_lab` fixture in pytest (it skips without root/ip netns).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Self

DOC_RANGES = tuple(ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
DOC_RANGE6 = ipaddress.ip_network("2001:db8::/32")  # RFC 3849: the only global IPv6 addresses a test may give


class NetnsUnavailable(RuntimeError):
    """Not root, or iproute2 without netns support."""


def netns_unavailable_reason() -> str | None:
    if os.geteuid() != 0:
        return "network namespace tests need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"ip netns unavailable: {probe.stderr.strip()}"
    return None


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result


def _host_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    data = json.loads(_ip("-j", "addr", "show").stdout or "[]")
    return [ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}").network
            for link in data for a in link.get("addr_info", [])]


_OURS = re.compile(r"^ca(\d+)[a-z]*-[A-Za-z0-9_-]+$")


def remove_stale_namespaces() -> list[str]:
    """Delete namespaces a NetnsLab made in a process that died without cleaning up (killed test run)."""
    removed = []
    for line in _ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.strip() else ""
        match = _OURS.match(name)
        if not match or _alive(int(match.group(1))):
            continue
        for pid in _ip("netns", "pids", name, check=False).stdout.split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        _ip("netns", "del", name, check=False)
        removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Segment:
    """One broadcast domain: a bridge in the lab's switch namespace."""

    network: ipaddress.IPv4Network
    bridge: str
    _next: int = 10

    def allocate(self) -> str:
        address = self.network.network_address + self._next
        self._next += 1
        if address not in self.network or address == self.network.broadcast_address:
            raise RuntimeError(f"{self.network} is full")
        return str(address)


@dataclass
class Host:
    """A namespace with one interface per segment it is attached to (eth0, eth1, ...)."""

    name: str  # short name given by the test
    ns: str  # namespace name
    interfaces: list[tuple[str, str, Segment]] = field(default_factory=list)  # (ifname, address, segment)

    @property
    def address(self) -> str:
        return self.interfaces[0][1]

    @property
    def addresses(self) -> list[str]:
        return [a for _, a, _ in self.interfaces]

    def address_on(self, segment: Segment) -> str:
        return next(a for _, a, s in self.interfaces if s is segment)

    def mac(self, ifname: str = "eth0") -> str:
        data = json.loads(_ip("-n", self.ns, "-j", "link", "show", ifname).stdout)
        return str(data[0]["address"])


class NetnsLab:
    """Namespaces, bridges and veth pairs that disappear when the `with` block ends."""

    def __init__(self, tag: str = "") -> None:
        self.pid = os.getpid()
        self.prefix = f"ca{self.pid}{tag}"
        self.switch = f"{self.prefix}-sw"
        self.namespaces: list[str] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.segments: list[Segment] = []
        self._veths = 0
        self._ports: dict[tuple[str, str], str] = {}  # (namespace, ifname) -> its veth peer on the switch
        self._host_nets = _host_networks()

    # -- lifecycle

    def __enter__(self) -> Self:
        if reason := netns_unavailable_reason():
            raise NetnsUnavailable(reason)
        remove_stale_namespaces()
        try:
            self._add_ns(self.switch)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop our processes, then delete our namespaces (their veths and bridges go with them)."""
        for proc in self.processes:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for ns in reversed(self.namespaces):
            pids = _ip("netns", "pids", ns, check=False).stdout.split()
            for pid in pids:  # anything still running inside a namespace this lab created
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            _ip("netns", "del", ns, check=False)
        self.namespaces.clear()
        self.processes.clear()

    # -- building

    def _add_ns(self, ns: str) -> None:
        _ip("netns", "add", ns)
        self.namespaces.append(ns)
        _ip("-n", ns, "link", "set", "lo", "up")
        for key in ("all", "default"):  # no IPv6 chatter (RS, MLD) in the test LAN
            self.exec_check(ns, ["sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1"])

    def segment(self, cidr: str) -> Segment:
        network = ipaddress.ip_network(cidr)
        if not isinstance(network, ipaddress.IPv4Network) or not any(network.subnet_of(r) for r in DOC_RANGES):
            raise ValueError(f"{cidr}: test LANs must use an RFC 5737 range (192.0.2/24, 198.51.100/24, "
                             "203.0.113/24)")
        if any(network.overlaps(n) for n in self._host_nets):
            raise ValueError(f"{cidr} overlaps an address of this machine; pick another RFC 5737 range")
        bridge = f"br{len(self.segments)}"
        _ip("-n", self.switch, "link", "add", bridge, "type", "bridge")
        _ip("-n", self.switch, "link", "set", bridge, "up")
        seg = Segment(network, bridge)
        self.segments.append(seg)
        return seg

    def host(self, name: str, segment: Segment, address: str | None = None) -> Host:
        host = Host(name=name, ns=f"{self.prefix}-{name}")
        self._add_ns(host.ns)
        self.attach(host, segment, address)
        return host

    def attach(self, host: Host, segment: Segment, address: str | None = None) -> str:
        """Give `host` another interface (ethN) on `segment`; returns its address."""
        address = address or segment.allocate()
        if ipaddress.ip_address(address) not in segment.network:
            raise ValueError(f"{address} is not in {segment.network}")
        ifname = f"eth{len(host.interfaces)}"
        self._veths += 1
        inner, outer = f"c{self.pid}i{self._veths}", f"c{self.pid}o{self._veths}"
        _ip("link", "add", inner, "netns", host.ns, "type", "veth", "peer", "name", outer, "netns", self.switch)
        _ip("-n", self.switch, "link", "set", outer, "master", segment.bridge)
        _ip("-n", self.switch, "link", "set", outer, "up")
        _ip("-n", host.ns, "link", "set", inner, "name", ifname)
        _ip("-n", host.ns, "addr", "add", f"{address}/{segment.network.prefixlen}", "dev", ifname)
        _ip("-n", host.ns, "link", "set", ifname, "up")
        host.interfaces.append((ifname, address, segment))
        self._ports[(host.ns, ifname)] = outer
        return address

    def ipv6(self, host: Host, address: str | None = None, ifname: str = "eth0") -> str:
        """Turn IPv6 on in `host` (the lab keeps it off), add `address`/64 if given (RFC 3849 only, no DAD),
        and return the interface's link-local address once it is usable (without a zone)."""
        if address is not None and ipaddress.ip_address(address) not in DOC_RANGE6:
            raise ValueError(f"{address}: test LANs must use the IPv6 documentation range {DOC_RANGE6}")
        if address is not None and any(ipaddress.ip_address(address) in n for n in self._host_nets):
            raise ValueError(f"{address} is in a network of this machine; pick another 2001:db8:: subnet")
        for conf in ("all", "default", ifname):
            self.exec_check(host.ns, ["sysctl", "-qw", f"net.ipv6.conf.{conf}.disable_ipv6=0"])
        if address is not None:
            _ip("-n", host.ns, "-6", "addr", "add", f"{address}/64", "dev", ifname, "nodad")
        for _ in range(100):  # duplicate address detection of the link-local address: a second or two
            if link_local := self._link_local(host, ifname):
                return link_local
            time.sleep(0.1)
        raise RuntimeError(f"{host.name}: no usable IPv6 link-local address on {ifname}")

    def _link_local(self, host: Host, ifname: str) -> str | None:
        for entry in json.loads(_ip("-n", host.ns, "-j", "-6", "addr", "show", "dev", ifname).stdout or "[]"):
            for addr in entry.get("addr_info", []):
                if addr.get("scope") == "link" and not addr.get("tentative"):
                    return str(addr["local"])
        return None

    def router(self, name: str, *segments: Segment) -> Host:
        """A host on every segment with forwarding on; its address on each is the segment's .1."""
        first, *rest = segments
        router = self.host(name, first, str(first.network.network_address + 1))
        for seg in rest:
            self.attach(router, seg, str(seg.network.network_address + 1))
        self.exec_check(router.ns, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        return router

    def route_via(self, host: Host, router: Host) -> None:
        """Default route of `host` through `router`'s address on host's first segment."""
        gateway = router.address_on(host.interfaces[0][2])
        _ip("-n", host.ns, "route", "add", "default", "via", gateway)

    def snoop(self, host: Host, ifname: str = "eth0") -> None:
        """Make the switch port of `host`'s `ifname` behave like an IGMP-snooping switch without a querier:
        no multicast reaches the host (broadcast, so ARP, still does; what the host sends is untouched)."""
        _ip("-n", self.switch, "link", "set", self._ports[(host.ns, ifname)], "type", "bridge_slave",
            "mcast_flood", "off")

    def blackhole(self, host: Host, cidr: str) -> None:
        """Silently drop traffic to `cidr` at `host` (a router that never answers for it)."""
        _ip("-n", host.ns, "route", "add", "blackhole", cidr)

    # -- running things inside

    def exec_check(self, ns: str, argv: Sequence[str]) -> None:
        result = subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} in {ns}: {result.stderr.strip()}")

    def run(self, host: Host, argv: Sequence[str], *, timeout: float = 60,
            **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", host.ns, *argv], capture_output=True, text=True,
                              timeout=timeout, check=False, **kwargs)  # type: ignore[call-overload]

    def popen(self, host: Host, argv: Sequence[str], **kwargs: object) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(["ip", "netns", "exec", host.ns, *argv], **kwargs)  # type: ignore[call-overload]
        self.processes.append(proc)
        return proc

    def python(self, host: Host, args: Sequence[str], **kwargs: object) -> subprocess.Popen[bytes]:
        """Start this interpreter inside `host` (same venv, same source tree)."""
        return self.popen(host, [sys.executable, *args], **kwargs)


@contextlib.contextmanager
def netns_lab(tag: str = "") -> Iterator[NetnsLab]:
    with NetnsLab(tag) as lab:
        yield lab
