"""Benchmark: evaluate N cameras against all shipped profiles. Prints figures; asserts nothing.

    python bench/bench_evaluate.py [N]      (default 1000)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "profiles")]

from demo_expectations import DEMO_AT, DEMO_SITE
from demo_fleet import demo_devices

from profiles import effective_rules, evaluate, load_profiles
from profiles.inventory import Declaration
from scanner.site import load_site, site_inventory


def fleet(n: int):  # type: ignore[no-untyped-def]
    """n cameras cloned from the demo fleet, each with its own uuid and declaration."""
    site = load_site(DEMO_SITE).site
    base = demo_devices()
    by_uuid = {c.match.uuid: c for c in site.cameras if c.match.uuid}
    devices, decls = [], []
    for i in range(n):
        template = base[i % len(base)]
        uuid = f"00000000-0000-4000-8000-{i:012d}"
        dev = template.model_copy(update={"device_id": f"uuid:{uuid}", "endpoint_uuid": uuid,
                                          "address": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"})
        devices.append(dev)
        tdecl = by_uuid.get(template.endpoint_uuid)
        if tdecl is not None:
            decls.append(Declaration.model_validate({**tdecl.model_dump(by_alias=True), "name": f"cam-{i}",
                                                     "match": {"uuid": uuid}}))
    inventory = site_inventory(site).model_copy(update={"declarations": decls})
    return devices, inventory, site.profiles


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    devices, inventory, profile_ids = fleet(n)
    t0 = time.perf_counter()
    profiles = load_profiles(profile_ids)
    load_s = time.perf_counter() - t0
    rules, _ = effective_rules(profiles)
    runs, cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        evaluation = evaluate(devices, inventory, profiles, at=DEMO_AT)
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    best = min(runs)
    print(f"profiles: {len(profiles)} loaded in {load_s * 1000:.0f} ms, {len(rules)} distinct rules")
    print(f"devices: {n}, findings: {len(evaluation.findings)}")
    print(f"evaluate: best {best:.3f} s, median {statistics.median(runs):.3f} s "
          f"({best / max(len(evaluation.findings), 1) * 1e6:.1f} us per finding); CPU time best {min(cpu):.3f} s "
          f"(wall time suffers when the machine is shared)")


if __name__ == "__main__":
    main()
