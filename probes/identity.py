"""Which ONVIF endpoints are one camera, decided after reading from what each endpoint said about itself.

Discovery lists every endpoint it found (`DiscoveredDevice.endpoints`); each is read on its own
(`endpoint_reads`). Afterwards (`group_endpoints`) endpoints are one device only when their evidence
agrees: the same endpoint uuid and the same MAC or serial, with no MAC, serial or set of video encoders
that disagrees (channels of one recorder share uuid, MAC and serial but not their video). So the
HTTP and HTTPS endpoints, or two addresses, of one camera are one device, while two cameras that share
a uuid (cloned firmware, a rogue twin) or a serial (factory default) stay two devices, each read.

Device ids: the endpoint uuid (`uuid:<u>`), else the serial, else the MAC, else the address, as before.
Only when two devices in one scan would get the same id is it refined with the MAC (`uuid:<u>/mac:<m>`),
then the serial, then the address, so ids of devices without a twin never change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probes import factvalues as fv
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts, Fact

__all__ = ["IdentityKeys", "device_id_base", "endpoint_reads", "group_endpoints", "norm_mac", "norm_uuid"]


def norm_uuid(value: str) -> str:
    return value.strip().lower().removeprefix("urn:uuid:")


def norm_mac(value: str) -> str:
    digits = re.sub(r"[^0-9a-fA-F]", "", value).lower()
    if len(digits) != 12:
        return value.strip().lower().replace("-", ":")
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


@dataclass(frozen=True, slots=True)
class IdentityKeys:
    """What one read endpoint (or device) says it is: uuid, MACs of its interfaces, serial; normalised."""

    uuid: str | None
    serial: str | None
    macs: frozenset[str]
    video: str | None = None  # the video encoders read (channels of one NVR share uuid, MAC and serial)

    @classmethod
    def of(cls, device: DeviceFacts) -> IdentityKeys:
        macs = {norm_mac(device.mac)} if device.mac else set()
        macs.update(norm_mac(iface.mac) for iface in device.value(fv.network.INTERFACES) or [] if iface.mac)
        serial = device.value(fv.identity.SERIAL)
        encoders = device.value(fv.media.VIDEO_ENCODERS)
        video = repr(sorted((e.token, e.width, e.height, e.encoding) for e in encoders)) \
            if encoders is not None else None
        return cls(uuid=norm_uuid(device.endpoint_uuid) if device.endpoint_uuid else None,
                   serial=str(serial).strip().lower() if serial and str(serial).strip() else None,
                   macs=frozenset(macs), video=video)

    def disagrees(self, other: IdentityKeys) -> bool:
        """Another MAC (no interface in common) or another serial: not the same hardware."""
        if self.macs and other.macs and not self.macs & other.macs:
            return True
        return bool(self.serial and other.serial and self.serial != other.serial)

    def same_device(self, other: IdentityKeys) -> bool:
        """Same uuid and the same MAC or serial, nothing disagreeing (no uuid: the MAC must agree).

        Other video encoders disagree too: two channels of one recorder are two cameras."""
        if self.uuid != other.uuid or self.disagrees(other):
            return False
        if self.video is not None and other.video is not None and self.video != other.video:
            return False
        if self.macs & other.macs:
            return True
        return bool(self.uuid and self.serial and self.serial == other.serial)


def endpoint_reads(device: DiscoveredDevice) -> list[DiscoveredDevice]:
    """One record per ONVIF endpoint of `device`, each naming only that endpoint (what the reader reads).

    An endpoint keeps the uuid announced with it; with several endpoints an unannounced one gets none
    (the reader asks it), so no endpoint is given a uuid that another endpoint claimed.
    """
    if not device.endpoints:
        return [device]
    several = len(device.endpoints) > 1
    out = []
    for endpoint in device.endpoints:
        parts = urlsplit(endpoint.url)
        host = parts.hostname or (device.addresses[0] if device.addresses else "")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        uuid = endpoint.uuid if several else (endpoint.uuid or device.endpoint_uuid)
        out.append(device.model_copy(update={
            "addresses": [host, *(a for a in device.addresses if a != host)], "xaddrs": [endpoint.url],
            "onvif_ports": [port], "endpoint_uuid": uuid, "endpoints": [endpoint]}))
    return out


def device_id_base(device: DeviceFacts) -> str:
    """The most durable identity learned: endpoint uuid, then serial, then MAC, else the discovery key."""
    if device.endpoint_uuid:
        return f"uuid:{norm_uuid(device.endpoint_uuid)}"
    serial = device.value("identity.serial")
    if serial:
        return f"serial:{serial}"
    if device.mac:
        return f"mac:{device.mac.lower()}"
    return device.device_id


def group_endpoints(reads: Sequence[DeviceFacts]) -> list[DeviceFacts]:
    """One DeviceFacts per device: endpoints whose evidence agrees are joined, every other read stands alone.

    An endpoint joins a group only when it is the same device as every member (no chain of partial
    agreements joins two cameras). Ids are then made unique (see the module doc).
    """
    ordered = sorted(reads, key=lambda d: (d.address, d.port or 0, d.xaddr or ""))
    groups: list[tuple[list[IdentityKeys], list[DeviceFacts]]] = []
    # same_device needs the same uuid: an endpoint is compared only with the groups of its uuid (in the order
    # they were made, as before), not with every group of the fleet (O(n^2): 10,000 cameras, 50M comparisons)
    by_uuid: dict[str | None, list[tuple[list[IdentityKeys], list[DeviceFacts]]]] = {}
    for read in ordered:
        keys = IdentityKeys.of(read)
        candidates = by_uuid.setdefault(keys.uuid, [])
        for members_keys, members in candidates:
            if all(keys.same_device(k) for k in members_keys):
                members_keys.append(keys)
                members.append(read)
                break
        else:
            group: tuple[list[IdentityKeys], list[DeviceFacts]] = ([keys], [read])
            groups.append(group)
            candidates.append(group)
    devices = [_join(members) for _, members in groups]
    for device in devices:
        device.device_id = device_id_base(device)
    _unique_ids(devices)
    return devices


def _score(device: DeviceFacts) -> tuple[int, int, bool]:
    """The endpoint whose sheet becomes the device's: fewest device errors, most facts read, https."""
    return (-len(device.errors), sum(1 for f in device.facts.values() if f.ok),
            (device.xaddr or "").startswith("https://"))


def _join(members: list[DeviceFacts]) -> DeviceFacts:
    primary = max(members, key=_score)
    facts = dict(primary.facts)
    for other in members:
        if other is primary:
            continue
        for key, fact in other.facts.items():  # what the preferred endpoint could not read, another did
            have = facts.get(key)
            if fact.ok and (have is None or not have.ok):
                facts[key] = fact
    urls = sorted({str(u) for m in members for u in (m.value("identity.endpoints") or [m.xaddr] * bool(m.xaddr))})
    if urls:
        facts["identity.endpoints"] = Fact.observed(urls, "identity")
    joined = primary.model_copy(update={"facts": dict(sorted(facts.items())),
                                        "signals": sorted({s for m in members for s in m.signals})})
    joined.endpoint_uuid = primary.endpoint_uuid or next((m.endpoint_uuid for m in members if m.endpoint_uuid), None)
    joined.mac = primary.mac or next((m.mac for m in members if m.mac), None)
    return joined


def _unique_ids(devices: Iterable[DeviceFacts]) -> None:
    by_id: dict[str, list[DeviceFacts]] = {}
    for device in devices:
        by_id.setdefault(device.device_id, []).append(device)
    for base, same in by_id.items():
        if len(same) < 2:
            continue
        taken: set[str] = set()
        for device in same:
            keys = IdentityKeys.of(device)
            for suffix in (f"mac:{min(keys.macs)}" if keys.macs else None,
                           f"serial:{keys.serial}" if keys.serial and not base.startswith("serial:") else None,
                           f"addr:{device.address}:{device.port}" if device.port else f"addr:{device.address}"):
                if suffix and f"{base}/{suffix}" not in taken:
                    device.device_id = f"{base}/{suffix}"
                    break
            else:
                device.device_id = f"{base}/addr:{device.address}:{device.port}#{len(taken)}"
            taken.add(device.device_id)
