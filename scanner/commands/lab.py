"""`camaudit lab`: run a fleet of virtual ONVIF cameras, print the fleet file schema, check fleet files."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from probes.errors import ConfigError
from reports.console import make_console, print_error
from scanner.commands._common import stop_on_signals

if TYPE_CHECKING:  # the lab is imported when the command runs
    from lab import Fleet

console = make_console()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("lab", help="virtual ONVIF cameras: serve a fleet, print its schema, check fleet files",
                            description="A lab of virtual ONVIF cameras (one process, real sockets) to try a "
                                        "site file and profiles before a real audit.")
    lab_sub = parser.add_subparsers(dest="lab_command", metavar="LAB_COMMAND", required=True)

    serve = lab_sub.add_parser("serve", help="serve a fleet in the foreground (Ctrl-C stops it)")
    serve.add_argument("fleet", metavar="FLEET", nargs="?", type=Path,
                       help="fleet file (default: the bundled demo fleet)")
    serve.add_argument("--port-override", type=int, metavar="N",
                       help="listen on port N instead of each camera's port (0 = ephemeral ports)")
    serve.add_argument("--bind", metavar="ADDRESS",
                       help="listen on this address instead of each camera's (e.g. 127.0.0.1)")
    serve.add_argument("--discovery", action="store_true",
                       help="also answer WS-Discovery (unicast on each camera address)")
    serve.add_argument("--reply-delay", type=float, default=0.0, metavar="SECONDS",
                       help="delay every reply (simulate slow devices)")
    serve.add_argument("--ca-out", type=Path, metavar="FILE",
                       help="write the lab CA's certificate (PEM) here: `scan --ca-bundle FILE` verifies the "
                            "cameras with `tls: {self_signed: false}` (docs/tls.md)")
    serve.set_defaults(handler=run_serve)

    replay = lab_sub.add_parser("replay", help="serve a captured camera (`camaudit capture`) from its archive",
                                description="Serve the device of a capture archive: each request is answered "
                                            "with the captured reply that matches its operation and body.")
    replay.add_argument("archive", metavar="ARCHIVE", type=Path, help="archive written by `camaudit capture`")
    replay.add_argument("--bind", metavar="ADDRESS", default="127.0.0.1",
                        help="loopback or private address to listen on (default 127.0.0.1)")
    replay.add_argument("--port", type=int, default=0, metavar="N", help="port (default: an ephemeral one)")
    replay.set_defaults(handler=run_replay_command)

    schema = lab_sub.add_parser("schema", help="print the JSON Schema of the fleet file")
    schema.set_defaults(handler=run_schema)

    check = lab_sub.add_parser("check", help="validate fleet files (file:line: field: problem)")
    check.add_argument("fleets", metavar="FLEET", nargs="+", type=Path)
    check.set_defaults(handler=run_check)


def _load(path: Path) -> Fleet:
    from lab import FleetError, load_fleet

    try:
        return load_fleet(path)
    except FleetError as exc:
        detail = "\n".join(exc.problems[1:])
        raise ConfigError(exc.detail + (f"\n{detail}" if detail else ""), path=exc.path, line=exc.line,
                          field=exc.field) from None


def run_schema(args: argparse.Namespace) -> int:
    from lab import fleet_json_schema

    print(json.dumps(fleet_json_schema(), indent=2))
    return 0


def run_check(args: argparse.Namespace) -> int:
    for path in args.fleets:
        fleet = _load(path)
        misbehaving = sum(1 for c in fleet.cameras if c.misbehaviour)
        print(f"{path}: ok ({len(fleet.cameras)} cameras, {misbehaving} misbehaving)")
    return 0


async def _until_stopped(ready: str | None = None) -> None:
    """Serve until SIGINT/SIGTERM; `ready` is printed once the signals are handled (a script may stop us then)."""
    stop = stop_on_signals()
    loop = asyncio.get_running_loop()
    if ready is not None:
        console.print(ready, highlight=False)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def run_replay_command(args: argparse.Namespace) -> int:
    import ipaddress

    from lab.replay import ReplayError, run_replay

    try:
        bind = ipaddress.ip_address(args.bind)
    except ValueError:
        raise ConfigError(f"{args.bind!r} is not an IP address", field="--bind") from None
    if bind.is_unspecified or bind.is_global:
        raise ConfigError("the replay listens on a loopback or private address only", field="--bind")
    try:
        async with run_replay(args.archive, host=str(bind), port=args.port) as replay:
            console.print(f"{args.archive}: serving the captured device at {replay.xaddr}; Ctrl-C or SIGTERM stops",
                          highlight=False, markup=False)
            for captured, port in replay.ports.items():
                console.print(f"HTTPS (captured on port {captured}) served on port {port}", highlight=False,
                              markup=False)
            await _until_stopped()
            if replay.unanswered:
                console.print(f"{len(replay.unanswered)} requests had no captured reply: "
                              f"{', '.join(sorted(set(replay.unanswered)))}", highlight=False, markup=False)
    except ReplayError as exc:
        raise ConfigError(str(exc), path=str(args.archive)) from None
    except OSError as exc:
        print_error(console, exc)
        return 2
    console.print("stopped", highlight=False)
    return 0


async def run_serve(args: argparse.Namespace) -> int:
    from lab import DEMO_FLEET, run_fleet

    path = args.fleet or DEMO_FLEET
    fleet = _load(path)
    try:
        async with run_fleet(fleet, port_override=args.port_override, bind_host_override=args.bind,
                             discovery=args.discovery, reply_delay_s=args.reply_delay) as running:
            table = Table(title=f"{path}: {len(running.cameras)} virtual cameras "
                                f"(started in {running.start_seconds * 1000:.0f} ms)")
            for column in ("camera", "device service", "model", "auth", "services", "misbehaviour"):
                table.add_column(column, overflow="fold")
            for cam in running.cameras:
                spec = cam.spec
                table.add_row(
                    spec.name, cam.xaddr, f"{spec.identity.manufacturer} {spec.identity.model}",
                    ", ".join(s.value for s in spec.auth.schemes),
                    " ".join(s.value for s in spec.offered_services),
                    " ".join(m.mode.value for m in spec.misbehaviour) or "-")
            console.print(table, highlight=False)
            if args.ca_out is not None:
                if running.ca_pem is None:
                    console.print("no camera serves TLS: no lab CA to write", highlight=False)
                else:
                    args.ca_out.write_bytes(running.ca_pem)
                    console.print(f"lab CA certificate written to {args.ca_out}", highlight=False, markup=False)
            await _until_stopped("serving; Ctrl-C or SIGTERM stops")
    except OSError as exc:  # a camera's address:port is taken or not local
        print_error(console, exc)
        return 2
    except ValueError as exc:  # e.g. --bind 0.0.0.0
        print_error(console, exc)
        return 1
    console.print("stopped", highlight=False)
    return 0
