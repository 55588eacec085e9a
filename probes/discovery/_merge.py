"""Merge one-signal device records into one record per address, and list the ONVIF endpoints to read.

Records join when they share an address (an announcement listing several addresses joins them), but
never when that would put two different endpoint uuids together (two ONVIF devices behind one address
stay two records). A shared uuid, serial or MAC does not join records at different addresses: cloned
firmware, default serials and rogue devices repeat them. Which endpoints are one camera is decided
after reading (`probes.identity`), from what each endpoint says about itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from probes.discovery._oui import vendor_for
from probes.discovery.model import DiscoveredDevice, OnvifEndpoint, Signal

_SIGNAL_ORDER = {s: i for i, s in enumerate(Signal)}
_SCALARS = ("endpoint_uuid", "mac", "vendor", "manufacturer", "model", "name", "serial", "hardware", "segment",
            "location", "metadata_version", "upnp_udn", "hostname")
_LISTS = ("addresses", "xaddrs", "scopes", "types")
DEVICE_SERVICE_PATH = "/onvif/device_service"


class _Groups:
    def __init__(self, n: int, records: Sequence[DiscoveredDevice]) -> None:
        self.parent = list(range(n))
        self.uuids: list[set[str]] = [{r.endpoint_uuid} if r.endpoint_uuid else set() for r in records]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.uuids[ra] and self.uuids[rb] and self.uuids[ra] != self.uuids[rb]:
            return  # two different ONVIF endpoints: never one device
        self.parent[rb] = ra
        self.uuids[ra] |= self.uuids[rb]


def _keys(record: DiscoveredDevice, kind: str) -> Iterable[str]:
    if kind == "uuid" and record.endpoint_uuid and not record.addresses:
        yield record.endpoint_uuid  # an announcement without an address belongs to the records of its uuid
    elif kind == "address":
        yield from record.addresses


def merge(records: Sequence[DiscoveredDevice]) -> list[DiscoveredDevice]:
    """One record per address (or multi-homed announcement), signals united; sorted by first address."""
    records = _weak_uuids_yield([r for r in records if r.addresses or r.endpoint_uuid])
    groups = _Groups(len(records), records)
    for kind in ("address", "uuid"):
        first: dict[str, int] = {}
        for i, record in enumerate(records):
            for key in _keys(record, kind):
                if key in first:
                    groups.union(first[key], i)
                else:
                    first[key] = i
    members: dict[int, list[DiscoveredDevice]] = {}
    for i, record in enumerate(records):
        members.setdefault(groups.find(i), []).append(record)
    merged = [_combine(parts) for parts in members.values()]
    _endpoints_once(merged)
    return sorted(merged, key=_sort_key)


def _endpoints_once(devices: list[DiscoveredDevice]) -> None:
    """An endpoint that two records list (a port swept at an address shared by two announced uuids) is
    read once, by the record whose announcement names it."""
    announced = {_host_port(e.url) for d in devices for e in d.endpoints if e.uuid}
    for device in devices:
        device.endpoints = [e for e in device.endpoints if e.uuid or _host_port(e.url) not in announced]


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))


def _url(scheme: str, host: str, port: int, path: str) -> str:
    bracketed = f"[{host}]" if ":" in host else host
    return f"{scheme}://{bracketed}:{port}{path or DEVICE_SERVICE_PATH}"


def _endpoints(parts: list[DiscoveredDevice], addresses: list[str], onvif_ports: list[int]) -> list[OnvifEndpoint]:
    """Every ONVIF device service seen, one per host+port (https preferred), with the uuid announced for it."""
    found: dict[tuple[str, int], OnvifEndpoint] = {}

    def add(url: str, uuid: str | None) -> None:
        key = _host_port(url)
        have = found.get(key)
        if have is None:
            found[key] = OnvifEndpoint(url=url, uuid=uuid)
            return
        secure = url.startswith("https://") and not have.url.startswith("https://")
        found[key] = OnvifEndpoint(url=url if secure else have.url, uuid=have.uuid or uuid)

    for part in parts:
        if part.endpoints:  # merged before (declared targets are merged in afterwards): keep what it found
            for endpoint in part.endpoints:
                add(endpoint.url, endpoint.uuid)
            continue
        tcp = Signal.TCP in part.signals
        ports = part.onvif_ports if tcp else []
        # the GUID the TCP check read belongs to the address's one ONVIF port; with several it is unknown which
        tcp_uuid = part.endpoint_uuid if tcp and len(ports) <= 1 else None
        uuid = tcp_uuid if tcp else part.endpoint_uuid
        for xaddr in part.xaddrs:
            try:
                split = urlsplit(xaddr.strip())
                host, port = split.hostname, split.port
            except ValueError:
                continue
            if split.scheme not in ("http", "https") or not host:
                continue
            if host not in addresses:  # an XAddr naming another host (NAT): its path on our address
                if not addresses:
                    continue
                host = addresses[0]
                port = onvif_ports[0] if onvif_ports else port
            add(_url(split.scheme, host, port or (443 if split.scheme == "https" else 80), split.path), uuid)
        for address in part.addresses if tcp else []:
            for port in ports:
                add(_url("http", address, port, DEVICE_SERVICE_PATH), tcp_uuid)
    return list(found.values())


def _weak_uuids_yield(records: list[DiscoveredDevice]) -> list[DiscoveredDevice]:
    """A GUID from GetEndpointReference (TCP check) gives way to what WS-Discovery said at that address.

    Some firmware answers GetEndpointReference with another id than its WS-Discovery endpoint; kept,
    it would split one camera into two records.
    """
    announced: dict[str, set[str]] = {}
    for record in records:
        if record.endpoint_uuid and Signal.TCP not in record.signals:
            for address in record.addresses:
                announced.setdefault(address, set()).add(record.endpoint_uuid)
    out = []
    for record in records:
        if record.endpoint_uuid and Signal.TCP in record.signals:
            others = set().union(*(announced.get(a, set()) for a in record.addresses))
            if others and record.endpoint_uuid not in others:
                record = record.model_copy(update={"endpoint_uuid": None})
        out.append(record)
    return out


def _combine(parts: list[DiscoveredDevice]) -> DiscoveredDevice:
    # WS-Discovery records first: their source address is the device's own ONVIF address
    parts = sorted(parts, key=lambda r: min((_SIGNAL_ORDER[s] for s in r.signals), default=99))
    out = DiscoveredDevice()
    for name in _LISTS:
        seen: dict[str, None] = {}
        for part in parts:
            seen.update(dict.fromkeys(getattr(part, name)))
        setattr(out, name, list(seen))
    for name in _SCALARS:
        setattr(out, name, next((getattr(p, name) for p in parts if getattr(p, name) is not None), None))
    out.open_ports = sorted({p for part in parts for p in part.open_ports})
    out.onvif_ports = sorted({p for part in parts for p in part.onvif_ports})
    out.signals = sorted({s for part in parts for s in part.signals}, key=_SIGNAL_ORDER.__getitem__)
    out.bye = any(p.bye for p in parts)
    out.endpoints = _endpoints(parts, out.addresses, out.onvif_ports)
    if out.vendor is None:
        out.vendor = vendor_for(out.mac)
    return out


def _sort_key(device: DiscoveredDevice) -> tuple[int, object, str]:
    if not device.addresses:
        return (1, 0, device.endpoint_uuid or "")
    try:
        ip = ipaddress.ip_address(device.addresses[0])
        return (0, (ip.version, int(ip)), "")
    except ValueError:
        return (0, (9, 0), device.addresses[0])
