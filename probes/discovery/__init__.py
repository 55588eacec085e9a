"""Discovery: find the devices in scope from several signals and merge them.

    report = await discover_report(Scope.parse(["192.0.2.0/24"]), interfaces=["eth0"])
    devices = await discover(scope)          # just the merged devices

Signals: WS-Discovery (multicast Probe + Hello/Bye on LAN interfaces, unicast Probe to
every address in scope), mDNS, SSDP, ARP (root, directly attached subnets) and a TCP
connect sweep with an ONVIF check. Multicast and ARP run only on interfaces whose whole
subnet the scope covers (IPv6: WS-Discovery on FF02::C, same rule per IPv6 subnet);
every unicast address is checked against the scope before anything is sent to it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from probes.discovery._interfaces import Interface, Interface6, select_interfaces, select_interfaces6
from probes.discovery._merge import merge
from probes.discovery.model import OBSERVATIONS, DiscoveredDevice, DiscoveryReport, Signal, selectable_signals
from probes.scope import Scope

if TYPE_CHECKING:
    from probes.discovery._wsd_probe import HelloListener

__all__ = ["DEFAULT_PORTS", "DEFAULT_TIMEOUT", "DiscoveredDevice", "DiscoveryReport", "Signal", "discover",
           "discover_report", "hello_listener", "merge", "selectable_signals"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0  # s to listen: four times WS-Discovery APP_MAX_DELAY (500 ms); raise it on WAN/VPN links
DEFAULT_PORTS: tuple[int, ...] = (80, 443, 554, 2020, 8000, 8080, 8443, 8899, 37777)
MULTICAST_SIGNALS = frozenset({Signal.WS_DISCOVERY, Signal.MDNS, Signal.SSDP, Signal.ARP})
ACTIVE_SIGNALS = frozenset(Signal) - OBSERVATIONS


async def discover(scope: Scope, *, ports: Sequence[int] = DEFAULT_PORTS, interfaces: Sequence[str] = (),
                   signals: set[Signal] | None = None, timeout: float = DEFAULT_TIMEOUT,
                   extra_targets: Sequence[tuple[str, int]] = (), concurrency: int = 256,
                   on_probe_match: Callable[[DiscoveredDevice], None] | None = None) -> list[DiscoveredDevice]:
    """The merged devices in scope (see discover_report for what was skipped and why)."""
    report = await discover_report(scope, ports=ports, interfaces=interfaces, signals=signals, timeout=timeout,
                                   extra_targets=extra_targets, concurrency=concurrency,
                                   on_probe_match=on_probe_match)
    return report.devices


def hello_listener(scope: Scope, *, interfaces: Sequence[str] = (),
                   on_announce: Callable[[DiscoveredDevice], None]) -> HelloListener:
    """An async context that hears WS-Discovery Hello and Bye, sending nothing, while it is open.

    The interfaces are those a discovery run would use (every chosen IPv4 interface; FF02::C on the chosen
    IPv6 ones for an IPv6 scope), and only senders inside `scope` are heard; `on_announce` gets each record
    (a Bye is marked `bye`), which the listener does not keep. Its `interfaces`/`interfaces6` are empty when
    no interface qualifies.
    """
    from probes.discovery import _wsd_probe

    chosen, _ = select_interfaces(scope, tuple(interfaces))
    chosen6 = select_interfaces6(scope, tuple(interfaces))[0] if any(n.version == 6 for n in scope.networks) else []
    return _wsd_probe.HelloListener(scope, chosen, chosen6, on_announce=on_announce)


async def discover_report(scope: Scope, *, ports: Sequence[int] = DEFAULT_PORTS, interfaces: Sequence[str] = (),
                          signals: set[Signal] | None = None, timeout: float = DEFAULT_TIMEOUT,
                          extra_targets: Sequence[tuple[str, int]] = (), concurrency: int = 256,
                          on_probe_match: Callable[[DiscoveredDevice], None] | None = None) -> DiscoveryReport:
    """Run the signals at once, merge what they saw, and say which signals did not run and why.

    Args:
        scope: the only addresses anything is sent to; multicast/ARP need an interface subnet inside it.
        ports: TCP ports swept on every address in scope.
        interfaces: interfaces for multicast/ARP; empty = auto-select real LAN interfaces.
        signals: the signals to use (default: all).
        timeout: the whole discovery's budget in seconds: every signal listens until start + timeout and
            the TCP second pass gets what remains (also scales the TCP quick pass: timeout/10, 0.3-1 s).
            Only work on devices that already answered may run past it (ONVIF check of an open port,
            UPnP description, mDNS resolve, retry of a live host's silent ports), each with a short minimum.
        extra_targets: (address, port) pairs to sweep as well; listed even when nothing answers.
        concurrency: TCP connections at once.
        on_probe_match: told of each in-scope WS-Discovery ProbeMatch record as it arrives, before the
            merge (the scan starts reading announced endpoints while the other signals still listen).
    """
    # the probes pull in aiohttp/zeroconf/scapy: imported here so that importing the models stays cheap
    from probes.discovery import _arp_probe, _mdns_probe, _ssdp_probe, _tcp_probe, _wsd_probe

    started = time.monotonic()
    deadline = asyncio.get_running_loop().time() + timeout  # one budget for everything (same clock)
    wanted = set(ACTIVE_SIGNALS if signals is None else signals) - OBSERVATIONS
    report = DiscoveryReport()
    chosen: list[Interface] = []
    chosen6: list[Interface6] = []
    if wanted & MULTICAST_SIGNALS:
        chosen, report.notes = select_interfaces(scope, tuple(interfaces))
        if Signal.WS_DISCOVERY in wanted and any(net.version == 6 for net in scope.networks):
            chosen6, notes6 = select_interfaces6(scope, tuple(interfaces))  # FF02::C: WS-Discovery only
            report.notes += notes6
        report.interfaces = [i.label for i in chosen] + [i.label for i in chosen6]
        if not chosen:
            reason = "no LAN interface whose subnet the scope covers" + (
                f" (asked for: {', '.join(interfaces)})" if interfaces else "")
            for signal in sorted(wanted & MULTICAST_SIGNALS - ({Signal.WS_DISCOVERY} if chosen6 else set())):
                report.skipped[signal] = reason
    if Signal.ARP in wanted and chosen and (why := _arp_probe.arp_unavailable()):
        report.skipped[Signal.ARP] = why
    hosts = [str(ip) for ip in scope.hosts()]
    extra = [(h, p) for h, p in extra_targets if _in_scope(scope, h, report)]

    jobs: dict[Signal, Awaitable[Any]] = {}
    if Signal.WS_DISCOVERY_UNICAST in wanted:
        unicast_targets = list(dict.fromkeys([*hosts, *(h for h, _ in extra)]))
        jobs[Signal.WS_DISCOVERY_UNICAST] = _wsd_probe.unicast_probe(scope, unicast_targets, timeout=timeout,
                                                                      deadline=deadline,
                                                                      declared={h for h, _ in extra},
                                                                      on_device=on_probe_match)
    if (chosen or chosen6) and Signal.WS_DISCOVERY in wanted:
        jobs[Signal.WS_DISCOVERY] = _wsd_probe.multicast_probe(scope, chosen, timeout=timeout, deadline=deadline,
                                                               interfaces6=chosen6, on_device=on_probe_match)
    if chosen and Signal.MDNS in wanted:
        jobs[Signal.MDNS] = _mdns_probe.browse(scope, chosen, timeout=timeout, deadline=deadline)
    if chosen and Signal.SSDP in wanted:
        jobs[Signal.SSDP] = _ssdp_probe.search(scope, chosen, timeout=timeout, deadline=deadline)
    if chosen and Signal.ARP in wanted and Signal.ARP not in report.skipped:
        jobs[Signal.ARP] = _arp_probe.sweep(scope, chosen, timeout=min(timeout / 3, 1.0))  # LAN: replies in ms
    if Signal.TCP in wanted:
        tcp_targets = [(h, p) for h in hosts for p in ports] + extra
        jobs[Signal.TCP] = _tcp_probe.first_pass(scope, tcp_targets, concurrency=concurrency, timeout=timeout,
                                                      deadline=deadline)

    records: list[DiscoveredDevice] = []
    first_pass: _tcp_probe.Sweep | None = None
    listen_hello = Signal.WS_DISCOVERY in wanted
    async with _wsd_probe.HelloListener(scope, chosen if listen_hello else [],
                                        chosen6 if listen_hello else []) as hello:
        results = await asyncio.gather(*(_timed(s, job, started) for s, job in jobs.items()),
                                       return_exceptions=True)
    for signal, result in zip(jobs, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result
            log.warning("discovery signal %s failed: %s", signal, result, exc_info=result)
            report.skipped[signal] = f"failed: {type(result).__name__}: {result}"
            continue
        if signal is Signal.TCP:
            first_pass = result
            continue
        records.extend(result)
        report.signals_run.append(signal)
    records.extend(hello.devices)
    if first_pass is not None:
        # hosts any other signal saw (or that were named explicitly) deserve the patient second pass
        live = {a for r in records for a in r.addresses} | {h for h, _ in extra}
        try:
            records.extend(await _tcp_probe.finish(scope, first_pass, live=live, concurrency=concurrency,
                                                   timeout=timeout, deadline=deadline))
            report.signals_run.append(Signal.TCP)
        except Exception as exc:
            log.warning("discovery signal tcp failed: %s", exc, exc_info=exc)
            report.skipped[Signal.TCP] = f"failed: {type(exc).__name__}: {exc}"
    if hello.error:
        report.notes.append(f"Hello/Bye listener: {hello.error}")
    devices = merge(records)
    report.devices = _add_declared(devices, extra)
    report.elapsed_s = round(time.monotonic() - started, 3)
    log.debug("discovery: %d devices after %.2f s", len(report.devices), report.elapsed_s)
    return report


async def _timed(signal: Signal, job: Awaitable[Any], started: float) -> Any:
    try:
        return await job
    finally:
        log.debug("discovery: %s done after %.2f s", signal, time.monotonic() - started)


def _in_scope(scope: Scope, host: str, report: DiscoveryReport) -> bool:
    if scope.contains(host):
        return True
    report.notes.append(f"{host}: extra target outside the scope, not contacted")
    return False


def _add_declared(devices: list[DiscoveredDevice], extra: Sequence[tuple[str, int]]) -> list[DiscoveredDevice]:
    """Extra targets that no signal saw still appear, marked DECLARED, so the scan can report them."""
    seen = {a for d in devices for a in d.addresses}
    missing: dict[str, list[int]] = {}
    for host, port in extra:
        if host not in seen:
            missing.setdefault(host, []).append(port)
    declared = [DiscoveredDevice(addresses=[h], signals=[Signal.DECLARED]) for h in missing]
    return merge([*devices, *declared]) if declared else devices
