"""Debug entry: read one camera's fact sheet and print it as JSON.

    python -m probes.onvif 192.0.2.10:80 --user auditor --password-env CAM_PASSWORD

The password is only ever taken from an environment variable, never from the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import sys

from probes.discovery.model import DiscoveredDevice, Signal
from probes.onvif._reader import OnvifReader
from probes.scope import is_public


def _target(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = text, "80"
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        return host, int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not IP:PORT") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m probes.onvif",
                                     description="Read the ONVIF fact sheet of one camera (read-only) as JSON.")
    parser.add_argument("target", type=_target, help="IP:PORT of the camera's ONVIF HTTP service")
    parser.add_argument("--user", help="user name (omit to read anonymously)")
    parser.add_argument("--password-env", metavar="VAR", help="environment variable that holds the password")
    parser.add_argument("--path", default="/onvif/device_service", help="device service path")
    parser.add_argument("--deadline", type=float, default=30, help="total seconds for the device (default 30)")
    parser.add_argument("--timeout", type=float, default=5, help="seconds per request (default 5)")
    parser.add_argument("--allow-public", action="store_true", help="allow a globally routable address")
    args = parser.parse_args(argv)
    host, port = args.target
    if is_public(ipaddress.ip_address(host)) and not args.allow_public:
        parser.error(f"{host} is a public address; pass --allow-public if you own it")
    password = None
    if args.user is not None:
        if not args.password_env or args.password_env not in os.environ:
            parser.error("--user needs --password-env VAR with VAR set in the environment")
        password = os.environ[args.password_env]
    bracket = f"[{host}]" if ":" in host else host
    device = DiscoveredDevice(addresses=[host], xaddrs=[f"http://{bracket}:{port}{args.path}"], onvif_ports=[port],
                              signals=[Signal.DECLARED])

    async def run() -> str:
        async with OnvifReader(username=args.user, password=password, concurrency=1,
                               device_deadline_s=args.deadline, request_timeout_s=args.timeout) as reader:
            facts = await reader.read(device)
        return facts.model_dump_json(indent=2)

    print(asyncio.run(run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
