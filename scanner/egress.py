"""Egress observation for a site: which cameras to watch, where the site ends, and folding results into facts.

Cameras come from a scan (its devices' addresses and MACs) or, without one, from the site file's
declarations (`match: {ip, mac}`). The site's networks are its scope targets: anything else is "outside".
The observation itself is `probes.egress`; this module only wires it to the site and the scan document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from probes import factvalues as fv
from probes.egress import CameraKey, EgressObservation, Observer, egress_fact, observe_file, observe_live
from probes.facts import DeviceFacts
from scanner.site import SiteFile


def camera_keys(devices: Iterable[DeviceFacts]) -> list[CameraKey]:
    """Addresses and MACs of scanned devices (every interface the camera reported)."""
    keys = []
    for device in devices:
        macs = {m.lower() for m in (device.mac,) if m}
        for interface in device.value(fv.network.INTERFACES) or []:
            if interface.mac:
                macs.add(interface.mac.lower())
        addresses = {device.address} if device.address and device.address != "?" else set()
        keys.append(CameraKey(device.device_id, tuple(sorted(addresses)), tuple(sorted(macs))))
    return [k for k in keys if k.addresses or k.macs]


def declared_keys(site_file: SiteFile) -> list[CameraKey]:
    """Declared cameras with an address or MAC in `match:` (named by their declaration)."""
    keys = []
    for cam in site_file.site.cameras:
        addresses = (cam.match.ip,) if cam.match.ip else ()
        macs = (cam.match.mac.lower(),) if cam.match.mac else ()
        if addresses or macs:
            keys.append(CameraKey(f"declared:{cam.name}", addresses, macs))
    return keys


def site_networks(site_file: SiteFile) -> list[str]:
    return list(site_file.site.scope.targets)


def observe(site_file: SiteFile, cameras: Sequence[CameraKey], *, pcap: Path | None = None,
            interface: str | None = None, seconds: float | None = None) -> dict[str, EgressObservation]:
    """One observation per camera, from a capture file or `seconds` of a live interface (blocking)."""
    observer = Observer(cameras, site_networks(site_file))
    if pcap is not None:
        observe_file(pcap, observer)
        return observer.observations(f"pcap:{pcap.name}")
    if interface is None or seconds is None:
        raise ValueError("give a capture file, or an interface and a duration")
    observed = observe_live(interface, seconds, observer)
    return observer.observations(f"live:{interface}", seconds=observed)


def fold_into(devices: Iterable[DeviceFacts], observations: dict[str, EgressObservation]) -> int:
    """Set `egress.observed` on every device that was observed; returns how many."""
    count = 0
    for device in devices:
        observation = observations.get(device.device_id)
        if observation is not None:
            device.facts["egress.observed"] = egress_fact(observation)
            count += 1
    return count
