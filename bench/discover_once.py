"""One `discover()` of a scope in this process (run inside the scanner's network namespace).

    python bench/discover_once.py 192.0.2.0/24 [--timeout 3]

Prints one JSON line: wall and CPU time, devices found (with their signals).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class _Timings(logging.Handler):
    """Keeps discovery's own debug lines ("discovery: tcp done after 2.31 s") as a per-signal breakdown."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if "after" in msg:
            self.lines.append(msg)


async def run(args: argparse.Namespace) -> dict[str, object]:
    from probes.discovery import discover
    from probes.scope import Scope
    from scanner.site import ScanSettings

    timeout = args.timeout if args.timeout is not None else ScanSettings().discovery_timeout_s
    if args.warm:
        # Imports and first-use costs (lazy modules, OUI table) out of the measured run: a tiny discovery of
        # this process's own loopback first (inside the namespace: nothing leaves it).
        await discover(Scope.parse(["127.0.0.1/32"]), timeout=0.2, ports=[9])
    scope = Scope.parse([args.scope])
    timings = _Timings()
    disc_log = logging.getLogger("probes.discovery")
    disc_log.setLevel(logging.DEBUG)
    disc_log.addHandler(timings)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    devices = await discover(scope, timeout=timeout)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    onvif = [d for d in devices if d.xaddrs or d.onvif_ports]
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), 3),
        "timeout_s": timeout,
        "warm": args.warm,
        "devices": len(devices),
        "onvif_devices": len(onvif),
        "signals": sorted({str(s) for d in devices for s in d.signals}),
        "addresses": sorted(a for d in devices for a in d.addresses[:1]),
        "timeline": timings.lines,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scope")
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--no-warm", dest="warm", action="store_false",
                        help="measure the first discovery of the process (imports included)")
    print(json.dumps(asyncio.run(run(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
