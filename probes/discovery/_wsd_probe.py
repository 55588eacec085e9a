"""WS-Discovery on the wire: unicast Probes to every address in scope, multicast Probes per interface,
and a Hello/Bye listener."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import unquote, urlsplit

from probes.discovery._budget import deadline_of, remaining
from probes.discovery._interfaces import Interface, Interface6
from probes.discovery._udp import (
    DatagramEndpoint,
    multicast_listener,
    multicast_listener6,
    multicast_sender,
    multicast_sender6,
    open_collector,
    udp_socket,
    udp_socket6,
)
from probes.discovery._wsd import (
    MAX_DATAGRAM,
    PROBE_TYPES,
    WSD_GROUP,
    WSD_GROUP6,
    WSD_PORT,
    WsdEndpoint,
    WsdKind,
    build_probe,
    new_message_id,
    parse_onvif_scopes,
    parse_or_none,
)
from probes.discovery.model import DiscoveredDevice, Signal
from probes.scope import Scope

log = logging.getLogger(__name__)

SEND_BATCH = 1024  # targets sent to before yielding to the loop: a /22 in one go, since the replies read in
# between would hold back the Probes still to send (and so every later reply) on a busy or loaded machine
TARGETS_PER_SOCKET = 16  # ~64 queued datagrams: well inside a default 208 KiB socket send buffer
MAX_SOCKETS = 128
LAST_WAIT = 0.5  # s, listening after the last unicast Probe left (large scopes), and after the re-ask
REASK_MAX = 4096  # unheard unicast targets probed again with new MessageIDs (a /20's worth)


def endpoint_device(endpoint: WsdEndpoint, source: str, signal: Signal, scope: Scope, *,
                    segment: str | None = None, bye: bool = False) -> DiscoveredDevice:
    """A one-signal device record; in-scope XAddr hosts join its addresses, others are only recorded."""
    info = parse_onvif_scopes(endpoint.scopes)
    addresses = [source]
    for xaddr in endpoint.xaddrs:
        host = xaddr_host(xaddr, source)
        if host and host not in addresses and scope.contains(host):
            addresses.append(host)
    return DiscoveredDevice(
        addresses=addresses, xaddrs=list(endpoint.xaddrs), endpoint_uuid=endpoint.endpoint_uuid,
        name=info.name, hardware=info.hardware, manufacturer=info.manufacturer, scopes=list(endpoint.scopes),
        types=list(endpoint.types), signals=[signal, Signal.WS_DISCOVERY_BYE] if bye else [signal],
        segment=segment, bye=bye,
        location=info.location, metadata_version=endpoint.metadata_version,
    )


def xaddr_host(xaddr: str, source: str) -> str | None:
    """The host of an XAddr; an IPv6 link-local literal without a zone ("[fe80::1]", as cameras send it)
    takes the zone of the interface the reply came in on, or it could not be reached."""
    try:
        host = urlsplit(xaddr).hostname
    except ValueError:
        return None
    if not host or ":" not in host:
        return host
    host = unquote(host)  # "[fe80::1%25eth0]" is the URL form of fe80::1%eth0
    address, _, zone = host.partition("%")
    try:
        link_local = ipaddress.IPv6Address(address).is_link_local
    except ValueError:
        return None
    if link_local and not zone and "%" in source:
        return f"{address}%{source.partition('%')[2]}"
    return host


class _Replies:
    """Collects ProbeMatches that answer one of our MessageIDs, from in-scope sources."""

    def __init__(self, scope: Scope, signal: Signal, segment: str | None = None,
                 on_device: Callable[[DiscoveredDevice], None] | None = None) -> None:
        self.scope, self.signal, self.segment = scope, signal, segment
        self.on_device = on_device  # told of each record as it is heard (the scan may start reading it)
        self.message_ids: set[str] = set()
        self.devices: list[DiscoveredDevice] = []
        self.heard: set[str] = set()  # sources of our ProbeMatches and the in-scope addresses they gave

    def new_probes(self) -> list[bytes]:
        """One Probe per device type, each with a new MessageID that this collector accepts replies to."""
        probes = []
        for types in PROBE_TYPES:
            message_id = new_message_id()
            self.message_ids.add(message_id)
            probes.append(build_probe(message_id, (types,)))
        return probes

    def __call__(self, data: bytes, source: str) -> None:
        if not self.scope.contains(source):
            log.debug("ignored WS-Discovery reply from %s: outside the scope", source)
            return
        message = parse_or_none(data, source)
        if message is None or message.kind is not WsdKind.PROBE_MATCHES:
            return
        if message.relates_to not in self.message_ids:
            log.debug("ignored ProbeMatches from %s: RelatesTo is not one of our Probes", source)
            return
        self.heard.add(source)
        for endpoint in message.endpoints:
            device = endpoint_device(endpoint, source, self.signal, self.scope, segment=self.segment)
            self.heard.update(device.addresses)
            self.devices.append(device)
            if self.on_device is not None:
                self.on_device(device)


async def unicast_probe(scope: Scope, targets: Sequence[str], *, timeout: float, port: int = WSD_PORT,
                        deadline: float | None = None, declared: Collection[str] = (),
                        on_device: Callable[[DiscoveredDevice], None] | None = None) -> list[DiscoveredDevice]:
    """Probe every target on UDP `port`; answers come from routed subnets too.

    Datagrams to a silent address on an attached subnet wait in the kernel's ARP queue
    for ~3 s, charged to the sending socket's buffer; so targets are spread over several
    sockets (TARGETS_PER_SOCKET each) instead of one, or later targets would wait behind
    the silent ones.

    Each Probe goes out twice (WS-Discovery UNICAST_UDP_REPEAT: the same MessageID, for a lost
    Probe). A device answers a MessageID once, so a lost *reply* is asked for again only with a
    new one: LAST_WAIT before the deadline, the targets not heard yet are probed once more with
    new MessageIDs (at most REASK_MAX of them, `declared` addresses first).

    Listens until `deadline` (default: `timeout` from now); only when the last Probe left
    later than LAST_WAIT before it (a scope too large to send in time) does it listen
    LAST_WAIT past the last Probe instead.
    """
    replies = _Replies(scope, Signal.WS_DISCOVERY_UNICAST, on_device=on_device)
    # the gate, before anything is sent; IPv6 targets are the addresses of small IPv6 scopes and named hosts
    targets = [a for a in dict.fromkeys(targets) if scope.contains(a)]
    plan: list[_Target] = []
    transports: list[DatagramEndpoint] = []
    for family in (socket.AF_INET, socket.AF_INET6):
        mine = [a for a in targets if (":" in a) == (family == socket.AF_INET6)]
        if not mine:
            continue
        n_sockets = max(1, min(MAX_SOCKETS, -(-len(mine) // TARGETS_PER_SOCKET)))
        opened = [await open_collector(udp_socket() if family == socket.AF_INET else udp_socket6(), replies,
                                       limit=MAX_DATAGRAM) for _ in range(n_sockets)]
        transports += opened
        for i, address in enumerate(mine):
            try:
                plan.append(_Target(address, opened[i % n_sockets], _destination(address, port)))
            except OSError as exc:  # an IPv6 zone naming no interface here
                log.debug("WS-Discovery probe to %s not sent: %s", address, exc)
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = deadline_of(deadline, timeout)
    try:
        probes = replies.new_probes()
        await _send(plan, probes)
        await asyncio.sleep(min(timeout / 3, 0.5))
        await _send(plan, probes)  # the repeat: same MessageIDs
        # a scope too large to send before the deadline is still sent whole: an unsent Probe finds nothing
        await _drained(transports, limit=30.0)
        log.debug("WS-Discovery: %d unicast targets, %d sockets, all sent after %.2f s", len(plan), len(transports),
                  loop.time() - started)
        await asyncio.sleep(max(0.0, remaining(deadline) - LAST_WAIT))
        if remaining(deadline) > 0:
            unheard = [t for t in plan if t.address not in replies.heard]
            unheard.sort(key=lambda t: t.address not in declared)  # stable: declared first, else in order
            if unheard[:REASK_MAX]:
                await _send(unheard[:REASK_MAX], replies.new_probes())
                await _drained(transports, limit=30.0)
                log.debug("WS-Discovery: re-asked %d of %d unheard unicast targets after %.2f s",
                          min(len(unheard), REASK_MAX), len(unheard), loop.time() - started)
        # listen until the deadline, and at least LAST_WAIT after the last Probe left
        await asyncio.sleep(max(remaining(deadline), LAST_WAIT if loop.time() > deadline - LAST_WAIT else 0.0))
    finally:
        for transport in transports:
            transport.close()
    return replies.devices


@dataclass(frozen=True, slots=True)
class _Target:
    address: str
    endpoint: DatagramEndpoint
    destination: tuple[Any, ...]


async def _send(targets: Sequence[_Target], probes: Sequence[bytes]) -> None:
    """Every probe to every target, yielding to the loop every SEND_BATCH targets."""
    for i, target in enumerate(targets):
        for probe in probes:
            try:
                target.endpoint.sendto(probe, target.destination)
            except OSError as exc:
                log.debug("WS-Discovery probe to %s failed: %s", target.address, exc)
        if i % SEND_BATCH == SEND_BATCH - 1:
            await asyncio.sleep(0.002)


def _destination(address: str, port: int) -> tuple[Any, ...]:
    """The socket address of a target; an IPv6 link-local one's zone ("fe80::1%eth0") becomes its scope id."""
    if ":" not in address:
        return (address, port)
    return socket.getaddrinfo(address, port, socket.AF_INET6, socket.SOCK_DGRAM, 0, socket.AI_NUMERICHOST)[0][4]


async def _drained(transports: Sequence[DatagramEndpoint], *, limit: float) -> None:
    """Wait until asyncio has handed every queued datagram to the kernel (large scopes)."""
    deadline = asyncio.get_running_loop().time() + limit
    while any(t.get_write_buffer_size() for t in transports):
        if asyncio.get_running_loop().time() > deadline:
            log.debug("WS-Discovery: some unicast probes were still queued after %.0f s", limit)
            return
        await asyncio.sleep(0.05)


async def multicast_probe(scope: Scope, interfaces: Sequence[Interface], *, timeout: float,
                          deadline: float | None = None,
                          interfaces6: Sequence[Interface6] = (),
                          on_device: Callable[[DiscoveredDevice], None] | None = None) -> list[DiscoveredDevice]:
    """Multicast Probe (both device types, sent twice) on each interface; answers arrive unicast.

    IPv4 interfaces send to 239.255.255.250, IPv6 ones to FF02::C on their own link.
    Listens until `deadline` (default: `timeout` from now).
    """
    deadline = deadline_of(deadline, timeout)
    transports = []
    collectors: list[_Replies] = []
    sent: list[list[bytes]] = []
    groups: list[tuple[str, int] | tuple[str, int, int, int]] = []
    try:
        every: list[Interface | Interface6] = [*interfaces, *interfaces6]
        for iface in every:
            replies = _Replies(scope, Signal.WS_DISCOVERY, segment=f"{iface.name} {iface.network}",
                               on_device=on_device)
            collectors.append(replies)
            group: tuple[str, int] | tuple[str, int, int, int]
            if isinstance(iface, Interface6):
                sock, group = multicast_sender6(iface.address, iface.index), (WSD_GROUP6, WSD_PORT, 0, iface.index)
            else:
                sock, group = multicast_sender(iface.address), (WSD_GROUP, WSD_PORT)
            transport = await open_collector(sock, replies, limit=MAX_DATAGRAM)
            transports.append(transport)
            groups.append(group)
            sent.append(replies.new_probes())
        # WS-Discovery MULTICAST_UDP_REPEAT: each Probe goes out twice, 100 ms apart (same MessageID)
        for repeat in range(2):
            for transport, probes, destination in zip(transports, sent, groups, strict=True):
                for probe in probes:
                    try:
                        transport.sendto(probe, destination)
                    except OSError as exc:
                        log.debug("multicast Probe failed: %s", exc)
            if repeat == 0:
                await asyncio.sleep(0.1)
        await asyncio.sleep(remaining(deadline))
    finally:
        for transport in transports:
            transport.close()
    return [d for replies in collectors for d in replies.devices]


class HelloListener:
    """Listens for Hello and Bye on the chosen interfaces for as long as it is open.

    IPv4: one socket joined to 239.255.255.250 on every chosen interface; IPv6: one socket per interface
    joined to FF02::C there. Only senders inside the scope are heard (the same rule as for replies); a Bye
    becomes a record marked `bye` (signal ws-discovery-bye), never a removal of what was seen before.
    """

    def __init__(self, scope: Scope, interfaces: Sequence[Interface], interfaces6: Sequence[Interface6] = (),
                 on_announce: Callable[[DiscoveredDevice], None] | None = None) -> None:
        self.scope = scope
        # told of each record as it is heard (camaudit watch, between scans), which is then not kept in `devices`:
        # such a listener stays open for hours, and a chatty or hostile sender must not grow it without bound
        self.on_announce = on_announce
        self.interfaces = list(interfaces)
        self.interfaces6 = list(interfaces6)
        self.devices: list[DiscoveredDevice] = []  # every record heard, when there is no `on_announce`
        self.errors: list[str] = []  # why it could not listen somewhere (the other signals run regardless)
        self._transports: list[DatagramEndpoint] = []

    @property
    def error(self) -> str | None:
        return "; ".join(self.errors) or None

    async def __aenter__(self) -> Self:
        if self.interfaces:
            try:
                sock = multicast_listener(WSD_GROUP, WSD_PORT, [i.address for i in self.interfaces])
                self._transports.append(await open_collector(sock, self._collector(None), limit=MAX_DATAGRAM))
            except OSError as exc:
                self._failed(f"{WSD_GROUP}:{WSD_PORT}", exc)
        for iface in self.interfaces6:
            try:
                sock = multicast_listener6(WSD_GROUP6, WSD_PORT, iface.index)
                segment = f"{iface.name} {iface.network}"
                self._transports.append(await open_collector(sock, self._collector(segment), limit=MAX_DATAGRAM))
            except OSError as exc:
                self._failed(f"[{WSD_GROUP6}%{iface.name}]:{WSD_PORT}", exc)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for transport in self._transports:
            transport.close()

    def _failed(self, where: str, exc: OSError) -> None:
        self.errors.append(f"cannot listen on {where}: {exc.strerror or exc}")
        log.warning("WS-Discovery Hello/Bye listener: %s", self.errors[-1])

    def _collector(self, segment: str | None) -> Callable[[bytes, str], None]:
        return lambda data, source: self._on_datagram(data, source, segment)

    def _on_datagram(self, data: bytes, source: str, segment: str | None = None) -> None:
        if not self.scope.contains(source):
            log.debug("ignored WS-Discovery announcement from %s: outside the scope", source)
            return
        message = parse_or_none(data, source)
        if message is None or message.kind is WsdKind.PROBE_MATCHES:
            return
        bye = message.kind is WsdKind.BYE
        for endpoint in message.endpoints:
            device = endpoint_device(endpoint, source, Signal.WS_DISCOVERY, self.scope, segment=segment, bye=bye)
            if self.on_announce is not None:
                self.on_announce(device)
            else:
                self.devices.append(device)
