"""`camaudit observe`: what the cameras send out of the site, from a capture file or a live interface.

    camaudit observe --site site.yaml --pcap firewall.pcap [--scan scan.json] [--json out.json]
    camaudit observe --site site.yaml --iface eth1 --duration 10m            (root: a live capture)

Cameras are the devices of `--scan` (a scan document) or the site's declared cameras (`match: {ip, mac}`).
Payloads are never stored; the JSON holds per camera the destinations outside the site's networks
(address, port, protocol, bytes, first/last seen, service), the DNS names asked, and the window observed.
Exit codes: 0 nothing observed leaving the site, 3 traffic observed leaving it, 1 usage or capture errors.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from probes.egress import CaptureError, EgressObservation
from probes.errors import ConfigError
from reports.console import make_console
from scanner import exitcodes
from scanner.egress import camera_keys, declared_keys, observe
from scanner.schedule import parse_duration
from scanner.site import load_site


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("observe", help="observe the cameras' traffic out of the site (pcap or live)",
                            description="Passive egress observation: which cameras send what to which "
                                        "destinations outside the site's networks (docs/egress.md).")
    parser.add_argument("--site", type=Path, required=True, metavar="FILE",
                        help="site file (its scope targets are the site's networks)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pcap", type=Path, metavar="FILE", help="a pcap/pcapng capture (no privileges needed)")
    source.add_argument("--iface", metavar="IF", help="capture live on this interface (root; with --duration)")
    parser.add_argument("--duration", default="10m", help="live capture length, e.g. 10m, 90s (default 10m)")
    parser.add_argument("--scan", type=Path, metavar="SCAN.json",
                        help="cameras from this scan document (default: the site's declared cameras)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the observation as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no table on the terminal")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    site_file = load_site(args.site)
    if args.scan is not None:
        from scanner.commands.evaluate import load_facts

        cameras = camera_keys(load_facts(args.scan, site_file.site.name).devices)
    else:
        cameras = declared_keys(site_file)
    if not cameras:
        raise ConfigError("no camera to observe: no device of the scan and no declared camera has an address or "
                          "MAC (`match: {ip: ...}`)", path=str(args.scan or args.site))
    seconds = parse_duration(args.duration).total_seconds() if args.iface else None
    try:
        observations = observe(site_file, cameras, pcap=args.pcap, interface=args.iface, seconds=seconds)
    except CaptureError as exc:
        raise ConfigError(str(exc), field="--pcap" if args.pcap else "--iface") from None
    if args.json:
        document = {"format": "camaudit.egress/1", "site": site_file.site.name,
                    "cameras": {k: v.model_dump(mode="json") for k, v in observations.items()}}
        args.json.write_text(json.dumps(document, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    if not args.quiet:
        _print(observations)
    return exitcodes.FINDINGS if any(o.data_flows() for o in observations.values()) else exitcodes.OK


def _print(observations: dict[str, EgressObservation]) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = make_console()
    table = Table(title="Traffic out of the site's networks")
    for column in ("camera", "destination", "service", "sent", "first - last seen"):
        table.add_column(column)
    for device_id, observation in sorted(observations.items()):
        if not observation.flows:
            table.add_row(escape(device_id), "not observed", "", "", "")
        for flow in observation.flows:
            where = f"{flow.address}:{flow.port}/{flow.protocol}" if flow.port is not None else flow.address
            table.add_row(escape(device_id), escape(where), escape(flow.service_name or flow.kind.value),
                          f"{flow.bytes_sent} B", f"{flow.first_seen:%H:%M:%S} - {flow.last_seen:%H:%M:%S}")
    console.print(table)
    window = next(iter(observations.values())).window if observations else None
    if window is not None:
        console.print(f"observed {window.seconds:.0f} s of {escape(window.source)}; silence is 'not observed', "
                      "never proof that a camera has no cloud", highlight=False)
