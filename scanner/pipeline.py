"""One scan, end to end: discover -> read facts -> evaluate. Each stage is a plain async call.

`run_scan` returns the scan document; what happens next (history, drift,
reports, MQTT) is decided by the caller (`scan`, `demo`, `watch`), so the same
pipeline serves ad-hoc audits and scheduled scans.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from probes import clock
from probes.barrier import barrier
from probes.discovery import DiscoveredDevice, Signal
from probes.facts import DeviceFacts, Fact, FactStatus
from probes.identity import endpoint_reads, group_endpoints
from reports.model import DeclaredCamera, ScanMeta, ScanResult
from scanner import __version__
from scanner.site import Credentials, SiteFile, site_inventory

log = logging.getLogger(__name__)

CAMERA_PORTS = {554}  # RTSP: a device with RTSP but no ONVIF is still a camera worth reporting


@dataclass
class ScanOptions:
    """What a caller may change about one scan (the site file gives the rest)."""

    profiles: Sequence[str] = ()  # override the site's profiles (ids or paths)
    at: datetime | None = None  # evaluate as of this time (default: now)
    facts_only: bool = False
    signals: set[Signal] | None = None  # discovery signals (default: all that apply)
    interfaces: Sequence[str] = ()
    extra_targets: Sequence[tuple[str, int]] = ()  # host:port known up front (demo, --host)
    credentials: Credentials | None = None  # override the site's reference (tests, demo)
    scanner_id: str | None = None
    on_discovered: Callable[[list[DiscoveredDevice]], None] | None = None
    on_device: Callable[[DeviceFacts], None] | None = None  # progress
    scan_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])


def is_camera_candidate(device: DiscoveredDevice) -> bool:
    """ONVIF evidence or an RTSP port: worth reading and reporting (printers and PCs are not)."""
    return bool(device.xaddrs or device.onvif_ports or CAMERA_PORTS.intersection(device.open_ports))


async def discover_site(site_file: SiteFile, options: ScanOptions) -> list[DiscoveredDevice]:
    """Discovery for a site: the scope, the site's ports/interfaces, plus explicit hosts."""
    from probes.discovery import discover

    site = site_file.site
    scope = site.scope.to_scope()
    extra = list(options.extra_targets)
    for host in site.scope.hosts:
        if host.count(":") == 1:
            address, port = host.split(":")
            extra.append((address, int(port)))
    return await discover(
        scope,
        ports=site.scope.ports,
        interfaces=list(options.interfaces or site.scope.interfaces),
        signals=options.signals,
        timeout=site.scan.discovery_timeout_s,
        extra_targets=extra,
    )


def _unread(device: DiscoveredDevice, why: str) -> DeviceFacts:
    facts = {"network.open_ports": Fact.observed(sorted(device.open_ports), "tcp-sweep")} if device.open_ports \
        else {}
    return DeviceFacts(device_id=device.key, address=device.addresses[0] if device.addresses else "?",
                       endpoint_uuid=device.endpoint_uuid, mac=device.mac,
                       signals=[str(s) for s in device.signals], facts=facts, errors=[why])


async def read_facts(site_file: SiteFile, devices: Sequence[DiscoveredDevice],
                     options: ScanOptions) -> list[DeviceFacts]:
    """Read every candidate's fact sheet with bounded concurrency and per-device deadlines."""
    from probes.onvif import OnvifReader
    from scanner.credentials import credential_plan  # lazy, like the reader (aiohttp)

    site = site_file.site
    creds = options.credentials  # an override (tests, demo) replaces the site's sets
    plan = credential_plan(site_file) if creds is None else None
    readable = [e for d in devices if d.xaddrs or d.onvif_ports for e in endpoint_reads(d)]  # every endpoint
    results = [_unread(d, "no ONVIF endpoint answered (RTSP only)") for d in devices
               if not (d.xaddrs or d.onvif_ports)]  # not `d not in readable`: O(n^2) pydantic __eq__
    async with OnvifReader(
        username=creds.username if creds else None,
        password=creds.password.get_secret_value() if creds else None,
        credentials=plan,
        concurrency=site.scan.concurrency,
        per_device_concurrency=site.scan.per_device_concurrency,
        device_deadline_s=site.scan.device_deadline_s,
        request_timeout_s=site.scan.request_timeout_s,
        max_reply_bytes=site.scan.max_reply_bytes,
    ) as reader:
        async for device_facts in reader.read_all(readable):
            results.append(device_facts)
            if options.on_device:
                options.on_device(device_facts)
    # identity decided after reading: endpoints that agree are one device, ids re-keyed to what was read
    # so history, drift and finding uids survive an IP or port change (probes/identity.py)
    results = group_endpoints(results)
    results.sort(key=lambda d: (d.address, d.port or 0))
    return results


async def run_scan(site_file: SiteFile, options: ScanOptions | None = None) -> ScanResult:
    """Discover, read and (unless facts_only) evaluate one site. Never raises for a device's misbehaviour."""
    options = options or ScanOptions()
    site = site_file.site
    started = clock.now()
    meta = ScanMeta(scan_id=options.scan_id, site=site.name, site_title=site.title, started_at=started,
                    scope=[*site.scope.targets, *site.scope.hosts],
                    profiles=list(options.profiles or site.profiles), scanner_version=__version__,
                    scanner_id=options.scanner_id)
    discovered = await discover_site(site_file, options)
    candidates = [d for d in discovered if is_camera_candidate(d)]
    if options.on_discovered:
        options.on_discovered(candidates)
    barrier("after-discovery")
    devices = await read_facts(site_file, candidates, options)
    barrier("after-reading")
    result = ScanResult(meta=meta, devices=devices)
    if not options.facts_only:
        evaluate_result(result, site_file, options.profiles or site.profiles, at=options.at)
        barrier("after-evaluation")
    result.meta.finished_at = clock.now()
    return result


def evaluate_result(result: ScanResult, site_file: SiteFile, profile_refs: Sequence[str],
                    *, at: datetime | None = None) -> ScanResult:
    """Judge the facts of `result` against the site's declarations and profiles (in place)."""
    from profiles import evaluate, load_profiles

    when = at or clock.now()
    profiles = load_profiles(list(profile_refs))
    evaluation = evaluate(result.devices, site_inventory(site_file.site), profiles, at=when)
    result.findings = evaluation.findings
    result.drift = None  # describes findings that were just replaced; recording the scan fills it again
    result.declared_names = dict(evaluation.matches)
    by_name = {cam.name: cam for cam in site_file.site.cameras}
    result.declared = {
        device_id: DeclaredCamera(name=name, camera_class=by_name[name].camera_class, area=by_name[name].area,
                                  sector=by_name[name].sector or site_file.site.sector)
        for device_id, name in evaluation.matches.items() if name in by_name
    }
    result.meta.evaluated_at = when
    result.meta.profiles = [p.id for p in profiles]
    return result


def scan_had_errors(result: ScanResult) -> bool:
    """Scan-level trouble: scan errors, devices not read at all, or checks that crashed."""
    from profiles.findings import Result

    return bool(result.meta.errors or any(d.errors for d in result.devices)
                or any(f.result is Result.ERROR for f in result.findings))


def exit_code(result: ScanResult) -> int:
    """0 clean, 3 failing findings, else 2 if the scan had errors (documented in the README)."""
    from profiles.findings import Result
    from scanner import exitcodes

    if any(f.result is Result.FAIL for f in result.findings):
        return exitcodes.FINDINGS
    if scan_had_errors(result):
        return exitcodes.SCAN_ERRORS
    return exitcodes.OK


def error_fact_count(result: ScanResult) -> int:
    return sum(1 for d in result.devices for f in d.facts.values() if f.status is FactStatus.ERROR)
