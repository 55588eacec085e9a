"""`camaudit discover`: list the devices in scope, merged from every discovery signal."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from probes.discovery import (
    DEFAULT_PORTS,
    DEFAULT_TIMEOUT,
    DiscoveredDevice,
    DiscoveryReport,
    Signal,
    discover_report,
    selectable_signals,
)
from probes.errors import ConfigError
from probes.scope import Scope, ScopeError
from reports.console import make_console
from scanner.commands._common import option_message
from scanner.site import load_site


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "discover", help="find the devices in scope (WS-Discovery, mDNS, SSDP, ARP, TCP ports)",
        description="Find every device in scope from several signals and merge them by endpoint uuid, "
                    "serial/MAC and address. Multicast signals and ARP run only on interfaces whose whole "
                    "subnet the scope covers.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--site", type=Path, metavar="FILE", help="take scope, ports and interfaces from a site file")
    source.add_argument("--targets", nargs="+", action="extend", metavar="CIDR",
                        help="networks or addresses (host or host:port) to discover")
    parser.add_argument("--ports", nargs="+", type=int, metavar="PORT",
                        help=f"TCP ports to sweep (default: {' '.join(map(str, DEFAULT_PORTS))})")
    parser.add_argument("--interface", action="append", default=[], metavar="IF",
                        help="interface for multicast/ARP (repeatable; default: auto-select LAN interfaces)")
    parser.add_argument("--signals", nargs="+", choices=[s.value for s in selectable_signals()],
                        metavar="SIGNAL", help="signals to use (default: all): "
                        + ", ".join(s.value for s in selectable_signals()))
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help="the whole discovery's time budget in seconds (default 2, or the site's "
                             "discovery_timeout_s; raise it on slow or routed links)")
    parser.add_argument("--concurrency", type=int, default=256, help="TCP connections at once (default 256)")
    parser.add_argument("--allow-public", action="store_true", help="allow globally routable targets")
    parser.add_argument("--list-interfaces", action="store_true",
                        help="only list the local interfaces (IPv4 and IPv6 addresses), whether multicast and ARP "
                             "will use each and why (nothing is sent)")
    parser.add_argument("--json", metavar="FILE", help="write the devices as JSON ('-' for stdout)")
    parser.set_defaults(handler=run)


def _split_host_port(text: str) -> tuple[str, int | None]:
    if text.count(":") == 1:
        host, port = text.split(":")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"{text!r}: port must be 1-65535", field="--targets")
        return host, int(port)
    return text, None


async def run(args: argparse.Namespace) -> int:
    ports = list(args.ports or DEFAULT_PORTS)
    interfaces = list(args.interface)
    timeout = args.timeout
    extra: list[tuple[str, int]] = []
    if args.site:
        site = load_site(args.site).site
        scope = site.scope.to_scope()
        ports = list(args.ports or site.scope.ports)
        interfaces = interfaces or list(site.scope.interfaces)
        timeout = timeout if timeout is not None else site.scan.discovery_timeout_s
        targets = site.scope.hosts
    else:
        targets = args.targets
        networks = []
        for target in targets:
            host, port = _split_host_port(target)
            networks.append(host)
        try:
            scope = Scope.parse(networks, allow_public=args.allow_public)
        except ScopeError as exc:
            raise ConfigError(option_message(str(exc)), field="--targets") from None
    for target in targets:
        host, port = _split_host_port(target)
        if port is not None:
            extra.append((host, port))
    if args.list_interfaces:
        return list_interfaces(scope, interfaces)
    if not 0 < args.concurrency <= 4096:
        raise ConfigError("must be 1-4096", field="--concurrency")
    signals = {Signal(s) for s in args.signals} if args.signals else None
    report = await discover_report(scope, ports=ports, interfaces=interfaces, signals=signals,
                                   timeout=DEFAULT_TIMEOUT if timeout is None else timeout, extra_targets=extra,
                                   concurrency=args.concurrency)
    to_stdout = args.json == "-"
    console = make_console(stderr=to_stdout)
    print_report(report, console)
    if args.json:
        payload = json.dumps([d.model_dump(mode="json") for d in report.devices], indent=2)
        if to_stdout:
            sys.stdout.write(payload + "\n")
        else:
            try:
                Path(args.json).write_text(payload + "\n", encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"cannot write {args.json}: {exc.strerror or exc}", field="--json") from None
    return 0


def list_interfaces(scope: Scope, names: list[str]) -> int:
    """`discover --list-interfaces`: per interface and family, whether multicast (and ARP) would be used and
    why (sends nothing)."""
    from probes.discovery._explain import explain_interfaces

    console = make_console()
    table = Table(title="interfaces for multicast (IPv4: WS-Discovery, mDNS, SSDP, ARP; IPv6: WS-Discovery on "
                        "FF02::C)", title_justify="left")
    for column in ("interface", "family", "address", "used", "why"):
        table.add_column(column, overflow="fold")
    for choice in explain_interfaces(scope, names):
        table.add_row(Text(choice.name), choice.family, Text(choice.address), "yes" if choice.used else "no",
                      Text(choice.why))
    console.print(table)
    if scope.unswept:
        console.print(f"IPv6 networks in scope that are never swept: {', '.join(map(str, scope.unswept))}",
                      highlight=False, markup=False)
    return 0


ONVIF_MARK_NOTE = ("ports: * = an ONVIF device service answered there; model and name come from the "
                   "WS-Discovery scopes, mDNS or SSDP (the ONVIF read in `scan` confirms them)")


def _cell(value: str | None) -> str:
    return value or "-"


def print_report(report: DiscoveryReport, console: Console) -> None:
    """The device table, then what ran, what was skipped and why (device strings are not markup)."""
    onvif = any(device.onvif_ports for device in report.devices)
    table = Table(title=f"{len(report.devices)} device(s) found in {report.elapsed_s:.1f} s", title_justify="left",
                  caption=ONVIF_MARK_NOTE if onvif else None, caption_justify="left")
    for column in ("address", "name", "MAC", "vendor", "manufacturer / model", "uuid", "ports", "signals"):
        table.add_column(column, overflow="fold")
    for device in report.devices:
        table.add_row(*(Text(cell) for cell in _row(device)))  # Text: device strings are never markup
    console.print(table)
    console.print(f"signals: {', '.join(report.signals_run) or 'none'}", highlight=False, markup=False)
    if report.interfaces:
        console.print(f"interfaces: {', '.join(report.interfaces)}", highlight=False, markup=False)
    for signal, reason in report.skipped.items():
        console.print(f"skipped {signal}: {reason}", style="yellow", highlight=False, markup=False)
    for note in report.notes:
        console.print(f"note: {note}", style="dim", highlight=False, markup=False)


def _row(device: DiscoveredDevice) -> list[str]:
    maker = " ".join(x for x in (device.manufacturer, device.model or device.hardware) if x)
    ports = " ".join(f"{p}{'*' if p in device.onvif_ports else ''}" for p in device.open_ports)
    marks = ", ".join(device.signals) + (" (bye)" if device.bye else "")
    return ["\n".join(device.addresses) or "-", _cell(device.name or device.hostname), _cell(device.mac),
            _cell(device.vendor), maker or "-", _cell(device.endpoint_uuid), ports or "-", marks]
