"""Read the ONVIF fact sheets of N generated lab cameras and print time, requests and memory.

    python bench/facts_1000.py                 # 1,000 cameras
    python bench/facts_1000.py --sizes 100 1000 --concurrency 64

The lab runs in its own process (bench/lab_serve.py), so CPU and peak RSS are the
reader's own. Peak RSS is the process maximum (it includes the interpreter and
imports, printed apart); the Python heap peak during the read comes from tracemalloc
(tracing slows the run, so it is measured in a second, separate pass unless --no-heap).
Figures, never assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LabProcess, Report, machine, measure

from probes.discovery.model import DiscoveredDevice
from probes.onvif import OnvifReader


async def read_all(info: dict, concurrency: int, per_device: int) -> tuple[int, Counter[str]]:
    devices = [DiscoveredDevice(addresses=[c["address"]], xaddrs=[c["xaddr"]]) for c in info["cameras"]]
    statuses: Counter[str] = Counter()
    count = 0
    async with OnvifReader(username=info["username"], password=info["password"], concurrency=concurrency,
                           per_device_concurrency=per_device) as reader:
        async for sheet in reader.read_all(devices):
            count += 1
            statuses.update(str(f.status) for f in sheet.facts.values())
            if sheet.errors:
                statuses["device-errors"] += 1
    return count, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-device", type=int, default=4)
    parser.add_argument("--no-heap", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    report = Report()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report.notes.append(f"machine: {machine()}; RSS after imports {base_rss:.0f} MB")
    for n in args.sizes:
        with LabProcess(n, discovery=False) as lab:
            before = lab.stats()
            with measure() as usage:
                count, statuses = asyncio.run(read_all(lab.info, args.concurrency, args.per_device))
            after = lab.stats()
            requests = _total(after) - _total(before)
            heap_mb = None
            if not args.no_heap:
                tracemalloc.start()
                t0 = time.perf_counter()
                asyncio.run(read_all(lab.info, args.concurrency, args.per_device))
                heap_mb = tracemalloc.get_traced_memory()[1] / 1024 / 1024
                tracemalloc.stop()
                report.notes.append(f"{n}: tracemalloc pass took {time.perf_counter() - t0:.1f} s")
        bench = f"facts {n}"
        report.add(bench, "wall time", usage.wall_s, "s")
        report.add(bench, "CPU time", usage.cpu_s, "s")
        report.add(bench, "cameras read", count)
        report.add(bench, "SOAP requests", requests or None, note="counted by the lab")
        report.add(bench, "cameras/s", count / usage.wall_s if usage.wall_s else None)
        report.add(bench, "peak RSS (process)", usage.peak_rss_mb, "MB")
        if heap_mb is not None:
            report.add(bench, "peak Python heap during read", heap_mb, "MB", note="tracemalloc")
        report.add(bench, "fact statuses", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    report.emit(args.json_out)
    return 0


def _total(stats: dict) -> int:
    total = stats.get("requests")
    return total if isinstance(total, int) else 0


if __name__ == "__main__":
    sys.exit(main())
