"""One scan, end to end: discover -> read facts -> evaluate. Each stage is a plain async call.

`run_scan` returns the scan document; what happens next (history, drift,
reports, MQTT) is decided by the caller (`scan`, `demo`, `watch`), so the same
pipeline serves ad-hoc audits and scheduled scans.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from probes import clock
from probes.barrier import barrier
from probes.discovery import DiscoveredDevice, Signal
from probes.facts import DeviceFacts, Fact, FactStatus
from probes.identity import endpoint_reads, group_endpoints, norm_uuid
from probes.readstatus import ReadStatus, derive_read
from reports import document
from reports.coverage import coverage_of
from reports.model import ScanMeta, ScanResult
from scanner import __version__
from scanner._memory import return_free_memory
from scanner.site import Credentials, SiteFile, site_inventory

if TYPE_CHECKING:
    from probes.onvif.credentials import CredentialPlan
    from probes.onvif.shards import ReaderOptions
    from probes.rtsp import StreamProbes
    from scanner.early_reads import EarlyReads

log = logging.getLogger(__name__)

BYE_UNREAD = ("said WS-Discovery Bye (leaving the network) during discovery, and no ONVIF endpoint of it "
              "was seen: not read")
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
    observe: tuple[str, float] | None = None  # (interface, seconds): capture the cameras' traffic meanwhile
    workers: int | None = None  # reader processes (None: the cores available, when there are enough cameras)
    early_reads: bool = True  # read announced cameras while discovery listens, where that changes no read
    ca_bundle: Path | None = None  # --ca-bundle: overrides the site's scan.ca_bundle (tls.verification)
    scan_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])


def is_camera_candidate(device: DiscoveredDevice) -> bool:
    """ONVIF evidence or an RTSP port: worth reading and reporting (printers and PCs are not)."""
    return bool(device.xaddrs or device.onvif_ports or CAMERA_PORTS.intersection(device.open_ports))


def named_hosts(site_file: SiteFile, options: ScanOptions) -> list[tuple[str, int]]:
    """host:port given by --host or scope.hosts: always read and always reported, answered or not."""
    named = list(options.extra_targets)
    for host in site_file.site.scope.hosts:
        if host.count(":") == 1:
            address, port = host.split(":")
            named.append((address, int(port)))
    return list(dict.fromkeys(named))


def declared_addresses(site_file: SiteFile) -> set[str]:
    """Addresses the site declares a camera at (`match: {ip: ...}`), and its declared endpoint uuids
    (`match: {uuid: ...}`, as "uuid:<lower case>"): the keys discovery can see a known camera by."""
    cameras = site_file.site.cameras
    return {cam.match.ip for cam in cameras if cam.match.ip} | {
        f"uuid:{norm_uuid(cam.match.uuid)}" for cam in cameras if cam.match.uuid}


def scan_candidates(discovered: Sequence[DiscoveredDevice], named: Sequence[tuple[str, int]],
                    declared: set[str]) -> list[DiscoveredDevice]:
    """Cameras worth reading: ONVIF/RTSP evidence, plus every named host and declared address.

    A named host or a declared camera's address is read even when discovery saw no ONVIF
    endpoint there, so the reader says what it found (refused, not ONVIF, unreachable)
    instead of the device silently vanishing from the report.
    A declared camera heard saying WS-Discovery Bye is kept even with nothing else seen: its sheet
    then says it left, instead of the camera silently becoming "not found".
    """
    named_ports: dict[str, list[int]] = {}
    for address, port in named:
        named_ports.setdefault(address, []).append(port)
    chosen: list[DiscoveredDevice] = []
    seen: set[tuple[str, int]] = set()
    for device in discovered:
        addresses = set(device.addresses)
        seen |= {(a, p) for a in addresses for p in [*device.open_ports, *device.onvif_ports, *_xaddr_ports(device)]}
        if is_camera_candidate(device):
            chosen.append(device)
            continue
        ports = [p for a in device.addresses for p in named_ports.get(a, ())]
        if not ports and addresses & declared:
            ports = list(device.open_ports[:1])
        if ports:
            chosen.append(device.model_copy(update={"onvif_ports": ports}))
        elif device.bye and (addresses | {f"uuid:{device.endpoint_uuid}"}) & declared:
            chosen.append(device)
    for address, port in named:
        if (address, port) not in seen:
            seen.add((address, port))
            chosen.append(DiscoveredDevice(addresses=[address], onvif_ports=[port], signals=[Signal.DECLARED]))
    return chosen


def _xaddr_ports(device: DiscoveredDevice) -> list[int]:
    ports = []
    for xaddr in device.xaddrs:
        try:
            url = urlsplit(xaddr)
            ports.append(url.port or (443 if url.scheme == "https" else 80))
        except ValueError:
            continue
    return ports


async def discover_site(site_file: SiteFile, options: ScanOptions,
                        on_probe_match: Callable[[DiscoveredDevice], None] | None = None) -> list[DiscoveredDevice]:
    """Discovery for a site: the scope, the site's ports/interfaces, plus explicit hosts."""
    from probes.discovery import discover

    site = site_file.site
    scope = site.scope.to_scope()
    extra = named_hosts(site_file, options)
    return await discover(
        scope,
        ports=site.scope.ports,
        interfaces=list(options.interfaces or site.scope.interfaces),
        signals=options.signals,
        timeout=site.scan.discovery_timeout_s,
        extra_targets=extra,
        on_probe_match=on_probe_match,
    )


def _unread(device: DiscoveredDevice, why: str) -> DeviceFacts:
    facts = {"network.open_ports": Fact.observed(sorted(device.open_ports), "tcp-sweep")} if device.open_ports \
        else {}
    unread = DeviceFacts(device_id=device.key, address=device.addresses[0] if device.addresses else "?",
                         endpoint_uuid=device.endpoint_uuid, mac=device.mac,
                         signals=[str(s) for s in device.signals], facts=facts, errors=[why])
    unread.read = derive_read(unread)
    return unread


def reader_options(site_file: SiteFile, options: ScanOptions) -> ReaderOptions:
    """The reader of this scan: the site's limits, and its credential sets (or the caller's override)."""
    from probes.onvif.shards import ReaderOptions
    from scanner.cabundle import ca_bundle_for
    from scanner.credentials import credential_plan  # lazy, like the reader (aiohttp)

    site = site_file.site
    creds = options.credentials  # an override (tests, demo) replaces the site's sets
    return ReaderOptions(
        username=creds.username if creds else None,
        password=creds.password.get_secret_value() if creds else None,
        credentials=credential_plan(site_file) if creds is None else None,
        concurrency=site.scan.concurrency,
        per_device_concurrency=site.scan.per_device_concurrency,
        device_deadline_s=site.scan.device_deadline_s,
        request_timeout_s=site.scan.request_timeout_s,
        max_reply_bytes=site.scan.max_reply_bytes,
        ca_bundle=ca_bundle_for(site_file, options.ca_bundle),
    )


def early_reader(site_file: SiteFile, options: ScanOptions, reader: ReaderOptions) -> EarlyReads | None:
    """Reads that start while discovery listens (scanner/early_reads.py), when this scan allows them.

    Not with reader processes (`--workers`, or by default a scope large enough for several: the sheets are
    sharded over the final list), not while traffic is observed (the capture covers the reading phase), and
    not when a credential set is chosen by MAC, serial or manufacturer (a later signal could change it).
    """
    from probes.onvif.shards import worker_count
    from scanner.early_reads import EarlyReads, hint_independent

    if options.observe is not None or not options.early_reads:
        return None
    if options.workers is None:
        addresses = sum(net.num_addresses for net in site_file.site.scope.to_scope().networks)
        one_process = worker_count(None, addresses + len(named_hosts(site_file, options))) == 1
    else:
        one_process = options.workers == 1
    if not one_process:
        return None
    opened = reader.reader()
    return EarlyReads(opened) if hint_independent(opened.plan) else None


async def read_facts(site_file: SiteFile, devices: Sequence[DiscoveredDevice], options: ScanOptions,
                     early: EarlyReads | None = None, reader: ReaderOptions | None = None) -> list[DeviceFacts]:
    """Read every candidate's fact sheet with bounded concurrency and per-device deadlines.

    `early`: reads already started during discovery (`early_reader`); the rest is read through it as well.
    `reader`: the scan's `reader_options`, when the caller has built them (credentials and CA bundle read once).
    """
    from probes.onvif.shards import read_sharded, worker_count

    creds = options.credentials
    reader = reader or reader_options(site_file, options)
    plan = reader.credentials
    readable = [e for d in devices if d.xaddrs or d.onvif_ports for e in endpoint_reads(d)]  # every endpoint
    results = [_unread(d, BYE_UNREAD if d.bye else "no ONVIF endpoint answered (RTSP only)") for d in devices
               if not (d.xaddrs or d.onvif_ports)]  # not `d not in readable`: O(n^2) pydantic __eq__
    sheets = early.read(readable) if early is not None else read_sharded(
        readable, reader, workers=worker_count(options.workers, len(readable)))
    async with stream_probes(site_file, creds, plan) as streams:  # each sheet's RTSP step starts as its read ends
        for device_facts in results:
            probe_streams_of(streams, device_facts)
        async for device_facts in sheets:
            results.append(device_facts)
            probe_streams_of(streams, device_facts)
            if options.on_device:
                options.on_device(device_facts)
    # identity decided after reading: endpoints that agree are one device, ids re-keyed to what was read
    # so history, drift and finding uids survive an IP or port change (probes/identity.py); the RTSP facts
    # of joined endpoints come from one shared probe (probes/rtsp/_step.py)
    results = group_endpoints(results)
    for device in results:  # a joined device's status is what all its endpoints read together
        device.read = derive_read(device)
    results.sort(key=lambda d: (d.address, d.port or 0))
    return results


def stream_probes(site_file: SiteFile, creds: Credentials | None, plan: CredentialPlan | None) -> StreamProbes:
    """The RTSP read step (probes/rtsp): OPTIONS/DESCRIBE on each sheet's stream URIs, in place.

    Credentials are the ones the ONVIF read proved (`auth.credential_set`), so RTSP costs no extra guesses.
    """
    from probes.rtsp import StreamProbes

    by_name = {s.name: s for s in plan.sets} if plan is not None else {}

    def credentials_for(device: DeviceFacts) -> tuple[str, str] | None:
        if creds is not None:
            return creds.username, creds.password.get_secret_value()
        accepted = by_name.get(str(device.value("auth.credential_set")))
        return (accepted.username, accepted.password.get_secret_value()) if accepted is not None else None

    scan = site_file.site.scan
    return StreamProbes(credentials_for, concurrency=scan.concurrency, timeout_s=scan.request_timeout_s,
                        deadline_s=scan.device_deadline_s, max_reply_bytes=min(scan.max_reply_bytes, 256 * 1024))


def probe_streams_of(streams: StreamProbes, device: DeviceFacts) -> None:
    """Start `device`'s RTSP step unless nothing answered at its address."""
    if (device.read or derive_read(device)).status is not ReadStatus.UNREACHABLE:
        streams.start(device)


def _start_observation(site_file: SiteFile, candidates: Sequence[DiscoveredDevice],
                       observe: tuple[str, float]) -> asyncio.Task[Any]:
    """Capture the candidates' traffic in a thread while they are read (keyed by address)."""
    from probes.egress import CameraKey
    from scanner.egress import observe as observe_site

    keys = [CameraKey(address, (address,), (d.mac.lower(),) if d.mac else ())
            for d in candidates for address in d.addresses[:1]]
    interface, seconds = observe
    return asyncio.create_task(asyncio.to_thread(observe_site, site_file, keys, interface=interface,
                                                 seconds=seconds))


async def _finish_observation(observing: asyncio.Task[Any], devices: Sequence[DeviceFacts]) -> list[str]:
    """Wait for the capture and store `egress.observed` on each device; a failed capture is a scan error."""
    from probes.egress import CaptureError, egress_fact

    try:
        observations = await observing
    except CaptureError as exc:
        return [f"traffic observation failed: {exc}"]
    for device in devices:
        observation = observations.get(device.address)
        if observation is not None:
            device.facts["egress.observed"] = egress_fact(observation)
    return []


async def run_scan(site_file: SiteFile, options: ScanOptions | None = None) -> ScanResult:
    """Discover, read and (unless facts_only) evaluate one site. Never raises for a device's misbehaviour."""
    options = options or ScanOptions()
    site = site_file.site
    started = clock.now()
    meta = ScanMeta(scan_id=options.scan_id, site=site.name, site_title=site.title, started_at=started,
                    scope=[*site.scope.targets, *site.scope.hosts],
                    profiles=list(options.profiles or site.profiles), scanner_version=__version__,
                    scanner_id=options.scanner_id)
    named = named_hosts(site_file, options)
    async with contextlib.AsyncExitStack() as stack:
        reader = reader_options(site_file, options)
        early = early_reader(site_file, options, reader)
        if early is not None:
            await stack.enter_async_context(early)
        discovered = await discover_site(site_file, options, on_probe_match=early.offer if early else None)
        candidates = scan_candidates(discovered, named, declared_addresses(site_file))
        if options.on_discovered:
            options.on_discovered(candidates)
        barrier("after-discovery")
        observing = _start_observation(site_file, candidates, options.observe) if options.observe else None
        devices = await read_facts(site_file, candidates, options, early, reader)
        if observing is not None:
            meta.errors += await _finish_observation(observing, devices)
        del discovered, candidates  # what discovery saw is in the sheets now: ~4 KB a camera not to carry on
    barrier("after-reading")
    return_free_memory()  # the reading phase's reply buffers are gone: do not carry its high-water mark on
    result = document.new_document(meta, devices)
    if not options.facts_only:
        evaluate_result(result, site_file, options.profiles or site.profiles, at=options.at, named=named)
        barrier("after-evaluation")
        return_free_memory()
    else:
        document.facts_only(result, named=[f"{a}:{p}" for a, p in named])
    result.meta.finished_at = clock.now()
    return result


def evaluate_result(result: ScanResult, site_file: SiteFile, profile_refs: Sequence[str],
                    *, at: datetime | None = None, named: Sequence[tuple[str, int]] | None = None) -> ScanResult:
    """Judge the facts of `result` against the site's declarations and profiles (in place)."""
    from profiles import evaluate, load_profiles

    when = at or clock.now()
    profiles = load_profiles(list(profile_refs))
    from profiles.unread import claim_unread

    # Nothing answered at an unreachable address: no device is known to be there, so no rule judges it
    # (it stays in the document and in the coverage as "unreachable", named after the declaration it fits).
    judged = [d for d in result.devices if (d.read or derive_read(d)).status is not ReadStatus.UNREACHABLE]
    unread = [d for d in result.devices if (d.read or derive_read(d)).status is ReadStatus.UNREACHABLE]
    inventory = site_inventory(site_file.site)
    evaluation = evaluate(judged, inventory, profiles, at=when)
    claim_unread(evaluation, judged, unread, inventory)
    return document.judged(result, evaluation, inventory, profiles, at=when,
                           named=None if named is None else [f"{a}:{p}" for a, p in named])


def scan_had_errors(result: ScanResult) -> bool:
    """Scan-level trouble: scan errors, a device not read at all, or checks that crashed.

    Declared cameras that are absent and draft declarations are gaps in coverage, not errors.
    """
    from profiles.findings import Result

    return bool(result.meta.errors or any(not (d.read or derive_read(d)).status.read for d in result.devices)
                or any(f.result is Result.ERROR for f in result.findings))


def exit_code(result: ScanResult) -> int:
    """0 complete and clean, 2 incomplete, 3 failing, 4 failing and incomplete (README "Exit codes")."""
    from profiles.findings import Result
    from scanner import exitcodes

    failing = any(f.result is Result.FAIL for f in result.findings)
    complete = coverage_of(result).complete
    if failing:
        return exitcodes.FINDINGS if complete else exitcodes.FINDINGS_INCOMPLETE
    return exitcodes.OK if complete else exitcodes.INCOMPLETE


def error_fact_count(result: ScanResult) -> int:
    return sum(1 for d in result.devices for f in d.facts.values() if f.status is FactStatus.ERROR)
