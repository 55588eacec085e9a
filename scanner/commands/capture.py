"""`camaudit capture`: read one device as a scan would and write an archive of the whole exchange.

The archive is what a bug report about an unknown camera needs, and nothing it must not carry:
credentials, nonces and digests are always removed; serials, MACs, addresses and names are
pseudonymised unless --keep-identifiers. `camaudit lab replay ARCHIVE` serves it again.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

from probes.discovery.model import DiscoveredDevice, Signal
from probes.errors import ConfigError
from probes.onvif import CredentialPlan
from probes.onvif.capture import capture_device
from probes.scope import is_public
from reports.console import make_console
from scanner.cabundle import load_ca_bundle
from scanner.commands import _common

console = make_console()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "capture", help="read one camera and write an archive of every request and reply (for bug reports)",
        description="Read one ONVIF device exactly as a scan would and write every request and reply (timing, "
                    "status, headers, body) to a JSON archive. Credentials, nonces and digests are always "
                    "removed; serial numbers, MAC addresses, IP addresses and names are pseudonymised unless "
                    "--keep-identifiers. `camaudit lab replay ARCHIVE` serves the archive as a virtual camera.")
    parser.add_argument("target", metavar="TARGET",
                        help="the device service: IP:PORT, [IPv6]:PORT or http(s)://IP:PORT/onvif/device_service")
    parser.add_argument("--out", "-o", type=Path, required=True, metavar="FILE", help="archive to write (JSON)")
    parser.add_argument("--user", help="user name (omit to read anonymously)")
    parser.add_argument("--password-env", metavar="VAR", help="environment variable holding the password")
    parser.add_argument("--keep-identifiers", action="store_true",
                        help="keep serials, MACs, addresses and names (do not attach such an archive publicly)")
    parser.add_argument("--allow-public", action="store_true", help="allow a globally routable address you own")
    parser.add_argument("--deadline", type=float, default=60, metavar="SECONDS", help="budget for the device")
    parser.add_argument("--timeout", type=float, default=5, metavar="SECONDS", help="budget per request")
    _common.add_ca_bundle_argument(parser)
    parser.set_defaults(handler=run)


def device_from_target(target: str, allow_public: bool = False) -> DiscoveredDevice:
    """The DiscoveredDevice for a TARGET argument (a usage error names what is wrong)."""
    url = target if "://" in target else f"http://{target}"
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"{target!r} is not IP:PORT or an http(s) URL with an IP address",
                          field="TARGET") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"{target!r}: only http and https", field="TARGET")
    if is_public(address) and not allow_public:
        raise ConfigError(f"{host} is a public address; use --allow-public if you own it", field="TARGET")
    bracket = f"[{host}]" if address.version == 6 else host
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path if parts.path not in ("", "/") else "/onvif/device_service"
    return DiscoveredDevice(addresses=[str(address)], xaddrs=[f"{parts.scheme}://{bracket}:{port}{path}"],
                            onvif_ports=[port], signals=[Signal.DECLARED])


async def run(args: argparse.Namespace) -> int:
    device = device_from_target(args.target, args.allow_public)
    plan = CredentialPlan()
    if args.user is not None:
        if not args.password_env or args.password_env not in os.environ:
            raise ConfigError("--user needs --password-env VAR with VAR set in the environment",
                              field="--password-env")
        plan = CredentialPlan.single(args.user, os.environ[args.password_env])
    bundle = load_ca_bundle(args.ca_bundle) if args.ca_bundle else None
    capture = await capture_device(device, credentials=plan, keep_identifiers=args.keep_identifiers,
                                   device_deadline_s=args.deadline, request_timeout_s=args.timeout,
                                   ca_bundle=bundle)
    capture.archive.write(args.out)
    read = capture.facts.read
    console.print(f"{len(capture.archive.exchanges)} exchanges written to {args.out} "
                  f"(credentials removed; identifiers {capture.archive.identifiers}); "
                  f"read: {read.status.value if read else 'unknown'}", highlight=False, markup=False)
    return 0
