"""Merge one-signal device records into one record per device.

Records join when they share an endpoint uuid, then a serial, then a MAC the device
reported itself (mDNS TXT; an ARP answer only ties a MAC to its address), then an
address, but never when that would put two different endpoint uuids together
(two ONVIF devices behind one address stay two devices).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from probes.discovery._oui import vendor_for
from probes.discovery.model import DiscoveredDevice, Signal

_SIGNAL_ORDER = {s: i for i, s in enumerate(Signal)}
_SCALARS = ("endpoint_uuid", "mac", "vendor", "manufacturer", "model", "name", "serial", "hardware", "segment",
            "location", "metadata_version", "upnp_udn", "hostname")
_LISTS = ("addresses", "xaddrs", "scopes", "types")


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
    if kind == "uuid" and record.endpoint_uuid:
        yield record.endpoint_uuid
    elif kind == "serial" and record.serial:
        yield record.serial.strip().lower()
    elif kind == "mac" and record.mac and Signal.ARP not in record.signals:
        # an ARP answer binds a MAC to one address only: proxy ARP and aliases give one MAC many addresses
        yield record.mac
    elif kind == "address":
        yield from record.addresses


def merge(records: Sequence[DiscoveredDevice]) -> list[DiscoveredDevice]:
    """One record per device, signals united; sorted by first address."""
    records = _weak_uuids_yield([r for r in records if r.addresses or r.endpoint_uuid])
    groups = _Groups(len(records), records)
    for kind in ("uuid", "serial", "mac", "address"):
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
    return sorted(merged, key=_sort_key)


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
