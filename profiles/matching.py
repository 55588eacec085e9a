"""Match scanned devices to declared cameras by uuid, serial, MAC or IP (strongest key first).

A declaration matches a device when its strongest given key matches (uuid >
serial > MAC > IP), so a camera that changed IP still matches by uuid; a weaker
key that disagrees is left for the identity check (GDPR-INV-2). When the
strongest key fits several devices (a shared uuid or a default serial), the
declaration's other keys choose among them: all must fit. When one device still
fits several declarations, or one declaration several devices, nothing is
matched and an `ambiguous match` is reported: guessing would hide a wrong inventory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from probes import factvalues as fv
from probes.facts import DeviceFacts
from probes.identity import IdentityKeys, norm_mac, norm_uuid
from profiles.inventory import Declaration, DeviceSelector

_norm_uuid = norm_uuid
_norm_mac = norm_mac


@dataclass(frozen=True, slots=True)
class DeviceKeys:
    """The identity keys of one scanned device, normalised."""

    uuid: str | None
    serial: str | None
    macs: frozenset[str]
    address: str
    addresses: frozenset[str] = frozenset()  # every address the device was read at

    @classmethod
    def of(cls, device: DeviceFacts) -> DeviceKeys:
        keys = IdentityKeys.of(device)
        addresses = {device.address}
        for url in device.value(fv.identity.ENDPOINTS) or []:
            host = urlsplit(str(url)).hostname
            if host:
                addresses.add(host)
        return cls(uuid=keys.uuid, serial=keys.serial, macs=keys.macs, address=device.address,
                   addresses=frozenset(addresses))


def selector_strength(selector: DeviceSelector, keys: DeviceKeys) -> tuple[int, str] | None:
    """(strength, key name) of the strongest given selector key, if it matches these device keys."""
    if selector.uuid:
        return (4, "uuid") if keys.uuid == _norm_uuid(selector.uuid) else None
    if selector.serial:
        return (3, "serial") if keys.serial == selector.serial.strip().lower() else None
    if selector.mac:
        return (2, "mac") if _norm_mac(selector.mac) in keys.macs else None
    if selector.ip:
        return (1, "ip") if selector.ip in (keys.addresses or {keys.address}) else None
    return None


@dataclass(slots=True)
class MatchResult:
    """device_id -> declaration name, the declarations nobody matched, and why some matches were refused."""

    matches: dict[str, str] = field(default_factory=dict)
    matched_by: dict[str, str] = field(default_factory=dict)  # device_id -> key used (uuid/serial/mac/ip)
    unmatched: list[str] = field(default_factory=list)  # declaration names
    device_notes: dict[str, str] = field(default_factory=dict)  # device_id -> ambiguity explanation
    declaration_notes: dict[str, str] = field(default_factory=dict)  # name -> ambiguity explanation

    @property
    def ambiguities(self) -> list[str]:
        return [*(f"device {d}: {n}" for d, n in self.device_notes.items()),
                *(f"declaration {d!r}: {n}" for d, n in self.declaration_notes.items())]


def match_devices(devices: Sequence[DeviceFacts], declarations: Sequence[Declaration]) -> MatchResult:
    """Pair devices with declarations; refuse ambiguous pairs (reported in the result's notes)."""
    result = MatchResult()
    keys = [DeviceKeys.of(d) for d in devices]
    by_uuid: dict[str, list[int]] = defaultdict(list)
    by_serial: dict[str, list[int]] = defaultdict(list)
    by_mac: dict[str, list[int]] = defaultdict(list)
    by_ip: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        if k.uuid:
            by_uuid[k.uuid].append(i)
        if k.serial:
            by_serial[k.serial].append(i)
        for mac in k.macs:
            by_mac[mac].append(i)
        for address in k.addresses or {k.address}:
            by_ip[address].append(i)

    candidates: dict[str, list[tuple[int, str]]] = {}  # declaration -> [(device index, key)]
    for decl in declarations:
        sel = decl.match
        if sel.uuid:
            hits, key = by_uuid.get(_norm_uuid(sel.uuid), []), "uuid"
        elif sel.serial:
            hits, key = by_serial.get(sel.serial.strip().lower(), []), "serial"
        elif sel.mac:
            hits, key = by_mac.get(_norm_mac(sel.mac), []), "mac"
        elif sel.ip:
            hits, key = by_ip.get(sel.ip, []), "ip"
        else:
            hits, key = [], "name"
        hits = list(dict.fromkeys(hits))
        if len(hits) > 1:  # a shared uuid or serial: the declaration's other keys must all fit
            narrowed = [i for i in hits if _other_keys_fit(sel, keys[i])]
            if len(narrowed) == 1:
                hits, key = narrowed, key + "+" + "+".join(_given(sel, exclude=key))
        candidates[decl.name] = [(i, key) for i in hits]

    per_device: dict[int, list[str]] = defaultdict(list)
    for name, pairs in candidates.items():
        if len(pairs) > 1:
            ids = ", ".join(devices[i].device_id for i, _ in pairs)
            result.declaration_notes[name] = f"ambiguous match: its selector fits {len(pairs)} devices ({ids})"
            for i, _ in pairs:
                result.device_notes[devices[i].device_id] = (f"ambiguous match: fits declaration {name!r}, which "
                                                             "also fits other devices")
            continue
        for i, _ in pairs:
            per_device[i].append(name)

    for i, names in per_device.items():
        device_id = devices[i].device_id
        if len(names) > 1:
            result.device_notes[device_id] = f"ambiguous match: fits several declarations: {', '.join(names)}"
            for name in names:
                result.declaration_notes[name] = (f"ambiguous match: the device it fits ({device_id}) also fits "
                                                  "another declaration")
            continue
        result.matches[device_id] = names[0]
        result.matched_by[device_id] = candidates[names[0]][0][1]

    matched = set(result.matches.values())
    result.unmatched = [d.name for d in declarations if d.name not in matched]
    return result


def _given(sel: DeviceSelector, *, exclude: str) -> list[str]:
    return [k for k in ("uuid", "serial", "mac", "ip") if k != exclude and getattr(sel, k)]


def _other_keys_fit(sel: DeviceSelector, keys: DeviceKeys) -> bool:
    """Every weaker key the declaration gives fits the device (and at least one is given)."""
    checks = []
    if sel.serial:
        checks.append(keys.serial == sel.serial.strip().lower())
    if sel.mac:
        checks.append(_norm_mac(sel.mac) in keys.macs)
    if sel.ip:
        checks.append(sel.ip in (keys.addresses or {keys.address}))
    if sel.uuid:
        checks.append(keys.uuid == _norm_uuid(sel.uuid))
    return bool(checks) and all(checks)
