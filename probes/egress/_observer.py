"""Attribute captured packets to cameras and sum up what each one sent out of the site's networks.

A packet is a camera's when its source MAC or source address is the camera's (outgoing), or its
destination MAC or address is (incoming: answers and received bytes); the MAC wins when both name a
camera. Every other packet is dropped on arrival: the observation keeps nothing of other hosts.
Destinations inside the site's networks, multicast, broadcast and link-local addresses are local traffic.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from probes.egress._packets import ETHERNET, Frame, parse_dns, parse_frame, tls_server_name
from probes.egress.endpoints import Catalogue, load_catalogue
from probes.egress.models import DnsName, EgressObservation, Flow, ServiceKind, Window

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_FLOWS_PER_CAMERA = 2000  # a scanning or flooding camera: the rest is counted, not listed
MAX_NAMES = 500


@dataclass(frozen=True, slots=True)
class CameraKey:
    """How a camera is recognised on the wire."""

    device_id: str
    addresses: tuple[str, ...] = ()
    macs: tuple[str, ...] = ()


@dataclass
class _FlowSum:
    bytes_sent: int = 0
    bytes_received: int = 0
    packets: int = 0
    first: float = 0.0
    last: float = 0.0
    names: set[str] = field(default_factory=set)


@dataclass
class _CameraSum:
    packets: int = 0
    flows: dict[tuple[str, str, int | None], _FlowSum] = field(default_factory=dict)
    dns: dict[str, list[float]] = field(default_factory=dict)  # name -> [first, count]
    answers: dict[str, set[str]] = field(default_factory=dict)  # address -> names that resolved to it
    dns_answers: dict[str, set[str]] = field(default_factory=dict)  # name -> addresses
    dropped_flows: int = 0


class Observer:
    """Feed frames in; `observations` gives one EgressObservation per camera (seen or not)."""

    def __init__(self, cameras: Sequence[CameraKey], site_networks: Iterable[str],
                 catalogue: Catalogue | None = None) -> None:
        self.cameras = list(cameras)
        self.by_mac = {m.lower(): c.device_id for c in cameras for m in c.macs}
        self.by_address = {str(ipaddress.ip_address(a)): c.device_id for c in cameras for a in c.addresses}
        self.site = [ipaddress.ip_network(n, strict=False) for n in site_networks]
        self.catalogue = catalogue or load_catalogue()
        self.sums: dict[str, _CameraSum] = {c.device_id: _CameraSum() for c in cameras}
        self.packets_total = 0
        self.first: float | None = None
        self.last: float | None = None
        self._local_cache: dict[str, bool] = {}

    def feed(self, timestamp: float, data: bytes, linktype: int = ETHERNET) -> None:
        self.packets_total += 1
        self.first = timestamp if self.first is None else min(self.first, timestamp)
        self.last = timestamp if self.last is None else max(self.last, timestamp)
        frame = parse_frame(data, linktype)
        if frame is None:
            return
        out = self.by_mac.get(frame.src_mac or "") or self.by_address.get(frame.src)
        if out is not None:
            self._outgoing(self.sums[out], timestamp, frame)
            return
        inn = self.by_mac.get(frame.dst_mac or "") or self.by_address.get(frame.dst)
        if inn is not None:
            self._incoming(self.sums[inn], timestamp, frame)

    def _outgoing(self, cam: _CameraSum, ts: float, frame: Frame) -> None:
        cam.packets += 1
        if frame.dport == 53 and frame.payload:
            message = parse_dns(frame.payload, tcp=frame.protocol == "tcp")
            if message is not None and not message.response:
                for name in message.names[:4]:
                    seen = cam.dns.get(name)
                    if seen is None and len(cam.dns) < MAX_NAMES:
                        cam.dns[name] = [ts, 1]
                    elif seen is not None:
                        seen[1] += 1
        if self._local(frame.dst):
            return
        flow = self._flow(cam, (frame.dst, frame.protocol, frame.dport), ts)
        if flow is None:
            return
        flow.bytes_sent += frame.length
        if frame.protocol == "tcp" and frame.payload:
            server_name = tls_server_name(frame.payload)
            if server_name:
                flow.names.add(server_name)

    def _incoming(self, cam: _CameraSum, ts: float, frame: Frame) -> None:
        cam.packets += 1
        if frame.sport == 53 and frame.payload:
            message = parse_dns(frame.payload, tcp=frame.protocol == "tcp")
            if message is not None and message.response:
                for name, address in message.answers[:32]:
                    cam.answers.setdefault(address, set()).add(name)
                    cam.dns_answers.setdefault(name, set()).add(address)
        if self._local(frame.src):
            return
        flow = self._flow(cam, (frame.src, frame.protocol, frame.sport), ts)
        if flow is not None:
            flow.bytes_received += frame.length

    def _flow(self, cam: _CameraSum, key: tuple[str, str, int | None], ts: float) -> _FlowSum | None:
        flow = cam.flows.get(key)
        if flow is None:
            if len(cam.flows) >= MAX_FLOWS_PER_CAMERA:
                cam.dropped_flows += 1
                return None
            flow = cam.flows[key] = _FlowSum(first=ts, last=ts)
        flow.packets += 1
        flow.last = max(flow.last, ts)
        flow.first = min(flow.first, ts)
        return flow

    def _local(self, address: str) -> bool:
        known = self._local_cache.get(address)
        if known is None:
            ip = ipaddress.ip_address(address)
            known = (ip.is_multicast or ip.is_link_local or ip.is_loopback or ip.is_unspecified
                     or address == "255.255.255.255" or any(ip in net for net in self.site))
            self._local_cache[address] = known
        return known

    # ------------------------------------------------------------------ results

    def observations(self, source: str, seconds: float | None = None) -> dict[str, EgressObservation]:
        window = Window(source=source, start=_time(self.first), end=_time(self.last),
                        seconds=seconds if seconds is not None else
                        (self.last - self.first if self.first is not None and self.last is not None else 0.0),
                        packets_total=self.packets_total)
        return {device_id: self._observation(cam, window) for device_id, cam in self.sums.items()}

    def _observation(self, cam: _CameraSum, window: Window) -> EgressObservation:
        flows = []
        for (address, protocol, port), s in cam.flows.items():
            names = sorted(s.names | cam.answers.get(address, set()))
            service = next((svc for n in names if (svc := self.catalogue.by_name(n)) is not None), None) \
                or self.catalogue.by_port(protocol, port)
            flows.append(Flow(address=address, port=port, protocol=protocol, bytes_sent=s.bytes_sent,
                              bytes_received=s.bytes_received, packets=s.packets, first_seen=_at(s.first),
                              last_seen=_at(s.last), names=names[:8], service=service.id if service else None,
                              service_name=service.name if service else None,
                              kind=service.kind if service else ServiceKind.UNCLASSIFIED))
        flows.sort(key=lambda f: (-f.bytes_sent, f.address, f.port or 0))
        dns = []
        for name, (first, count) in sorted(cam.dns.items()):
            service = self.catalogue.by_name(name)
            dns.append(DnsName(name=name, count=int(count), first_seen=_at(first),
                               answers=sorted(cam.dns_answers.get(name, set()))[:8],
                               service=service.id if service else None))
        return EgressObservation(window=window, camera_packets=cam.packets, flows=flows, dns=dns)


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _time(ts: float | None) -> datetime | None:
    return _at(ts) if ts is not None else None
