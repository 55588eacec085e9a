"""Serve a generated lab fleet in its own process, for the benchmarks.

    python bench/lab_serve.py 1000 --network 127.120.0.0/22 --delay 0.2 --info lab.json

Writes the cameras (address, port, xaddr), the fleet file and the auditor
credentials to ``--info``, then prints ``LISTENING`` and serves until SIGINT or
SIGTERM. On SIGUSR1 (and on exit) it writes the request counters of the lab to
``--stats``, so the benchmark can count SOAP requests without running the lab
in the scanner's process.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import signal
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab import generate_fleet, run_fleet


def count_received(received: Any) -> int:
    """The lab's per-camera request record, whatever its shape (counter, list, Counter, dict)."""
    if received is None:
        return 0
    if isinstance(received, int):
        return received
    if isinstance(received, dict):
        return sum(int(v) if isinstance(v, int) else len(v) if isinstance(v, Iterable) else 1
                   for v in received.values())
    try:
        return len(received)
    except TypeError:
        return 0


def fleet_credentials(fleet: Any) -> tuple[str | None, str | None]:
    """The first Administrator (else any) user the generated cameras share."""
    cameras = getattr(fleet, "cameras", [])
    if not cameras:
        return None, None
    users = cameras[0].auth.users
    for name, user in users.items():
        if str(user.level).lower() == "administrator":
            return name, user.password
    for name, user in users.items():
        return name, user.password
    return None, None


def dump_fleet(fleet: Any, path: Path) -> None:
    import yaml

    data = fleet.model_dump(mode="json", exclude_none=True) if hasattr(fleet, "model_dump") else fleet
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


async def serve(args: argparse.Namespace) -> None:
    fleet = generate_fleet(args.n, network=args.network, port=args.port or 8000, seed=args.seed)
    if args.rtsp:  # every camera serves OPTIONS/DESCRIBE with Digest (bench/rtsp_probe.py)
        from lab.model import Rtsp

        rtsp = Rtsp(enabled=True)  # port 554, ephemeral under the port override
        fleet = fleet.model_copy(update={"cameras": [c.model_copy(update={"rtsp": rtsp}) for c in fleet.cameras]})
    fleet_dir = tempfile.TemporaryDirectory(prefix="camaudit-fleet-")
    fleet_file = Path(fleet_dir.name) / "fleet.yaml"
    dump_fleet(fleet, fleet_file)
    user, password = fleet_credentials(fleet)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    kwargs: dict[str, Any] = {"port_override": None if args.port else 0, "discovery": args.discovery,
                              "reply_delay_s": args.delay}
    if args.multicast and "multicast" in inspect.signature(run_fleet).parameters:
        kwargs["multicast"] = True  # only ever inside a network namespace
    async with run_fleet(fleet, **kwargs) as running:
        cams = running.cameras

        def write_stats() -> None:
            per_cam = [count_received(getattr(c, "received", None)) for c in cams]
            stats = {"requests": sum(per_cam), "per_camera": per_cam}
            tmp = Path(args.stats + ".tmp")
            tmp.write_text(json.dumps(stats), encoding="utf-8")
            tmp.replace(args.stats)

        loop.add_signal_handler(signal.SIGUSR1, write_stats)
        info = {
            "network": args.network,
            "fleet_file": str(fleet_file),
            "username": user,
            "password": password,
            "reply_delay_s": args.delay,
            "cameras": [{"address": c.address, "port": c.port, "xaddr": c.xaddr, "name": m.name,
                         "endpoint_uuid": m.endpoint_uuid} for c, m in zip(cams, fleet.cameras, strict=True)],
        }
        Path(args.info).write_text(json.dumps(info), encoding="utf-8")
        print(f"LISTENING {len(cams)} cameras on {args.network}", flush=True)
        await stop.wait()
        write_stats()
    fleet_dir.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--network", default="127.20.0.0/22")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="reply delay per request, seconds")
    parser.add_argument("--no-discovery", dest="discovery", action="store_false")
    parser.add_argument("--rtsp", action="store_true", help="every camera serves RTSP OPTIONS/DESCRIBE too")
    parser.add_argument("--port", type=int, default=0, help="fixed ONVIF port (default: ephemeral ports)")
    parser.add_argument("--multicast", action="store_true",
                        help="answer multicast discovery too (only inside a network namespace)")
    parser.add_argument("--info", required=True)
    parser.add_argument("--stats", required=True)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
