"""`camaudit scan`: discover, read facts, evaluate, record history, write reports, publish MQTT."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console

from probes.discovery import Signal, selectable_signals
from probes.errors import ConfigError
from probes.facts import DeviceFacts
from probes.readstatus import derive_read
from reports.console import ScanProgress, make_console
from reports.model import ScanResult
from scanner.cabundle import ca_bundle_for
from scanner.commands import _common
from scanner.credentials import credential_plan
from scanner.emit import scan_and_finish
from scanner.pipeline import ScanOptions, run_scan
from scanner.site import CredentialsRef, ScopeConfig, Site, SiteFile, load_site


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("scan", help="audit the cameras of a site (or of ad-hoc targets)",
                            description="Discover the cameras in scope, read their configuration over ONVIF, "
                                        "evaluate it against the site's declarations and profiles, and report.")
    target = parser.add_argument_group("what to scan")
    target.add_argument("--site", type=Path, metavar="FILE", help="site file (see `camaudit schema`)")
    target.add_argument("--targets", nargs="+", metavar="CIDR", default=[],
                        help="ad-hoc scope without a site file (every camera is then undeclared)")
    target.add_argument("--host", action="append", default=[], metavar="IP:PORT",
                        help="a camera at a known address and port (repeatable)")
    target.add_argument("--allow-public", action="store_true", help="allow globally routable targets")
    target.add_argument("--user", help="ONVIF user for --targets scans")
    target.add_argument("--password-env", metavar="VAR", help="environment variable holding the password")
    target.add_argument("--interface", dest="interfaces", action="append", default=[], metavar="IF",
                        help="interface for multicast discovery and ARP (repeatable)")
    target.add_argument("--signals", nargs="+", choices=[s.value for s in selectable_signals()],
                        help="discovery signals to use (default: all that apply)")
    _common.add_ca_bundle_argument(target)
    parser.add_argument("--facts-only", action="store_true", help="read facts, do not evaluate")
    parser.add_argument("--observe", metavar="DURATION",
                        help="also capture the cameras' traffic for DURATION (e.g. 10m) alongside the read and "
                             "judge what leaves the site (root; docs/egress.md)")
    parser.add_argument("--observe-iface", metavar="IF",
                        help="interface to capture on (default: the first --interface or scope.interfaces)")
    parser.add_argument("--workers", type=_positive, metavar="N",
                        help="processes reading cameras (default: the cores available, one per 64 cameras)")
    _common.add_evaluation_arguments(parser)
    _common.add_output_arguments(parser)
    _common.add_history_arguments(parser)
    _common.add_mqtt_arguments(parser)
    parser.set_defaults(handler=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def adhoc_site(args: argparse.Namespace) -> SiteFile:
    """A site built from --targets/--host: nothing declared, baseline profile."""
    if args.user and not args.password_env:
        raise ConfigError("--user needs --password-env VAR (passwords are never command-line arguments)")
    if not args.targets and not args.host:
        raise ConfigError("give --site FILE, or --targets CIDR / --host IP:PORT")
    try:
        credentials = (CredentialsRef(username=args.user, password_env=args.password_env) if args.user
                       else None)
        scope = ScopeConfig(targets=list(args.targets), hosts=list(args.host), allow_public=args.allow_public)
    except ValidationError as exc:
        raise _common.option_error(exc) from None
    site = Site(name="adhoc", scope=scope, credentials=credentials, profiles=["gdpr-baseline"])
    return SiteFile(site=site, path=Path.cwd() / "adhoc-site.yaml")


async def run(args: argparse.Namespace) -> int:
    console = make_console(stderr=True, quiet=args.quiet)
    site_file = load_site(args.site) if args.site else adhoc_site(args)
    if args.site and args.host:
        site_file.site.scope.hosts.extend(args.host)
    # everything that can be wrong without the network is found before discovery starts (exit 1)
    _common.check_output_paths(args)
    _common.check_mqtt_options(args)
    credential_plan(site_file)  # every credential reference readable (a missing variable or file: exit 1)
    ca_bundle_for(site_file, args.ca_bundle)  # a missing or bad CA bundle too
    options = ScanOptions(
        profiles=args.profiles,
        at=_common.parse_at(args.at, site_file.site.timezone),
        facts_only=args.facts_only,
        signals={Signal(s) for s in args.signals} if args.signals else None,
        interfaces=args.interfaces,
        workers=args.workers,
        observe=_observe_option(args, site_file),
        ca_bundle=args.ca_bundle,
    )
    return await scan_and_finish(args, options, site_file.site.name, console=console,
                                 scan=lambda opts: run_scan_with_progress(site_file, opts, console))


def _observe_option(args: argparse.Namespace, site_file: SiteFile) -> tuple[str, float] | None:
    """(interface, seconds) of `--observe`, checked before the scan starts."""
    if not args.observe:
        return None
    from scanner.schedule import parse_duration

    seconds = parse_duration(args.observe).total_seconds()
    interface = args.observe_iface or next(iter([*args.interfaces, *site_file.site.scope.interfaces]), None)
    if not interface:
        raise ConfigError("--observe needs an interface to capture on: --observe-iface IF", field="--observe-iface")
    return interface, seconds


def progress_word(facts: DeviceFacts) -> str:
    """What the progress line tallies per device: its read status (read fully, credentials refused ...)."""
    read = facts.read or derive_read(facts)
    return read.status.label


async def run_scan_with_progress(site_file: SiteFile, options: ScanOptions, console: Console) -> ScanResult:
    """run_scan with a rich progress bar when the terminal is interactive."""
    with ScanProgress(console) as progress:
        options.on_discovered = lambda devices: progress.discovered(len(devices))
        options.on_device = lambda facts: progress.advance(facts.label, progress_word(facts))
        return await run_scan(site_file, options)
