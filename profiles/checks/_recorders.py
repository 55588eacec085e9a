"""Footage kept off the camera: declared VMSs, declared ONVIF NVRs read in the scan, and NVRs found recording it.

Most estates record on an NVR or VMS, so a camera without recordings of its own says nothing about how long its
footage is kept. An ONVIF NVR's recordings name their source (`SourceId`, `Address`); a recording is linked to a
camera when a source names the camera's endpoint uuid, serial or address. What was declared but cannot be
observed (NVR not in the scan, its recordings unread, none of them from this camera) raises Unknown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from probes import factvalues as fv
from probes.facts import DeviceFacts
from probes.factvalues.recording import Recording
from profiles.checks._registry import CheckContext, Unknown
from profiles.findings import EvidenceRef
from profiles.inventory import Recorder, RecorderKind
from profiles.matching import DeviceKeys, selector_strength

UNLIMITED = math.inf
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class KeptElsewhere:
    """The retention of one recorder for this camera's footage."""

    where: str  # "recorder main-nvr (ONVIF NVR 127.0.10.90)"
    hours: float  # UNLIMITED when a linked recording has no maximum
    unlimited: tuple[str, ...]  # tokens of linked recordings without a maximum
    recordings: int


def source_keys(*texts: Any) -> set[str]:
    """What a recording's source can name a camera by: uuids, the host of a URI, the text itself."""
    keys: set[str] = set()
    for text in texts:
        if not text:
            continue
        value = str(text).strip().lower()
        keys.add(value.removeprefix("urn:uuid:"))
        keys.update(_UUID.findall(value))
        if "://" in value:
            try:
                host = urlsplit(value).hostname
            except ValueError:
                host = None
            if host:
                keys.add(host)
    return keys


def camera_keys(device: DeviceFacts) -> set[str]:
    """A camera's names that an NVR's recording source may use."""
    keys = {device.address.lower()}
    if device.endpoint_uuid:
        keys.add(device.endpoint_uuid.lower().removeprefix("urn:uuid:"))
    serial = device.value(fv.identity.SERIAL)
    if serial:
        keys.add(serial.strip().lower())
    for iface in device.value(fv.network.INTERFACES) or []:
        keys.update(address.split("/", 1)[0] for address in iface.ipv4)
    if device.xaddr:
        keys.update(source_keys(device.xaddr) - {device.xaddr.lower()})
    return {k for k in keys if k}


def _index(devices: Sequence[DeviceFacts]) -> Mapping[str, list[tuple[DeviceFacts, Recording]]]:
    """Source key -> (recorder device, recording) over every device whose recordings were read."""
    index: dict[str, list[tuple[DeviceFacts, Recording]]] = {}
    for device in devices:
        for rec in device.value(fv.recording.RECORDINGS) or []:
            for key in source_keys(rec.source, rec.source_address):
                index.setdefault(key, []).append((device, rec))
    return index


def linked_recordings(ctx: CheckContext[Any], camera: DeviceFacts) -> dict[str, list[Recording]]:
    """device_id of another device -> its recordings whose source is `camera`."""
    index = ctx.fleet_cache.get("recorders.index")
    if index is None:
        index = ctx.fleet_cache["recorders.index"] = _index(ctx.devices)
    found: dict[str, list[Recording]] = {}
    for key in camera_keys(camera):
        for device, rec in index.get(key, []):
            if device.device_id == camera.device_id:
                continue
            recs = found.setdefault(device.device_id, [])
            if not any(r is rec for r in recs):
                recs.append(rec)
    return found


def _kept(where: str, recordings: Iterable[Recording]) -> KeptElsewhere:
    recs = list(recordings)
    unlimited = tuple(r.token for r in recs if r.unlimited)
    finite = [r.max_retention_seconds / 3600 for r in recs if not r.unlimited]
    return KeptElsewhere(where, UNLIMITED if unlimited else max(finite, default=0.0), unlimited, len(recs))


def _find(recorder: Recorder, devices: Sequence[DeviceFacts]) -> DeviceFacts | None:
    assert recorder.match is not None
    hits = [d for d in devices if selector_strength(recorder.match, DeviceKeys.of(d)) is not None]
    return hits[0] if len(hits) == 1 else None


def _evidence(ctx: CheckContext[Any], key: str, status: str, value: Any, source: str) -> None:
    ctx.evidence.append(EvidenceRef(key=key, status=status, value=value, source=source))


def _summary(recs: Iterable[Recording]) -> list[dict[str, Any]]:
    """Evidence: the linked recordings, as JSON data."""
    return [{"token": r.token, "source": r.source, "max_retention_seconds": r.max_retention_seconds} for r in recs]


def kept_elsewhere(ctx: CheckContext[Any]) -> list[KeptElsewhere]:
    """Every recorder that keeps this camera's footage; Unknown when a declared one cannot be observed."""
    camera = ctx.device
    if camera is None:
        return []
    name = ctx.declaration.name if ctx.declaration is not None else None
    linked = linked_recordings(ctx, camera)
    out: list[KeptElsewhere] = []
    problems: list[str] = []
    declared_ids: set[str] = set()
    for recorder in ctx.inventory.recorders:
        if name is None or name not in recorder.records:
            continue
        key = f"recorder.{recorder.name}"
        if recorder.kind is RecorderKind.VMS:
            assert recorder.retention_hours is not None
            hours = recorder.retention_hours or UNLIMITED  # 0 = unlimited, as in ONVIF
            _evidence(ctx, key, "declared", {"kind": "vms", "retention_hours": recorder.retention_hours},
                      "site file")
            out.append(KeptElsewhere(f"recorder {recorder.name} (VMS, declared)", hours,
                                     (recorder.name,) if hours == UNLIMITED else (), 1))
            continue
        device = _find(recorder, ctx.devices)
        if device is None:
            _evidence(ctx, key, "missing", None, "site file")
            problems.append(f"recorder {recorder.name!r} (ONVIF NVR) was not found in this scan, so how long it "
                            f"keeps this camera's footage is unknown")
            continue
        declared_ids.add(device.device_id)
        fact = device.get(fv.recording.RECORDINGS)
        if not fact.ok:
            _evidence(ctx, key, str(fact.status), None, fact.source)
            problems.append(f"recorder {recorder.name!r}: its recordings were not read ({fact.status}: "
                            f"{fact.reason or 'no reason given'})")
            continue
        recs = linked.get(device.device_id, [])
        _evidence(ctx, key, "ok", _summary(recs), f"{fact.source} on {device.address}")
        if not recs:
            problems.append(f"recorder {recorder.name!r} is declared to record this camera, but none of its "
                            f"{len(fact.value or [])} recording(s) has this camera as its source")
            continue
        out.append(_kept(f"recorder {recorder.name} (ONVIF NVR {device.address})", recs))
    for device_id, recs in linked.items():
        if device_id in declared_ids:
            continue
        device = ctx.devices_by_id[device_id]
        _evidence(ctx, f"recorder.{device.address}", "ok", _summary(recs), f"trc:GetRecordings on {device.address}")
        out.append(_kept(f"{device.label}, found recording this camera (not declared under `recorders:`)", recs))
    if problems:
        raise Unknown("; ".join(problems))
    return out
