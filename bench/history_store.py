"""History store: time to record a scan (drift + one transaction) and to read it back, SQLite and PostgreSQL.

The scans are the deterministic sample of tests/reports/factory.py (N cameras, 60 findings
each, ~25 facts each); the second scan differs from the first by its seed, so drift has
work to do. Prints figures; asserts nothing.

    python bench/history_store.py --sizes 100 1000 [--postgres postgresql://127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scanner.drift import diff_scans
from scanner.history import open_history, store_scan
from tests.reports.factory import make_scan


async def bench(location: str, n: int) -> dict[str, float]:
    first = make_scan(n, findings_per_device=60, seed=1, hostile=False, with_changes=False)
    second = make_scan(n, findings_per_device=60, seed=2, hostile=False, with_changes=False)
    second.meta.scan_id, second.meta.started_at = "bench-2", first.meta.started_at.replace(year=2100)
    rows = sum(len(d.facts) for d in first.devices) + len(first.findings) + n
    t = time.perf_counter()
    diff_scans(second, first)
    drift_s = time.perf_counter() - t
    async with open_history(location) as store:
        await store_scan(store, first)
        t = time.perf_counter()
        await store_scan(store, second)  # loads the previous scan, diffs, commits
        record_s = time.perf_counter() - t
        t = time.perf_counter()
        await store.load_scan("bench-2")
        load_s = time.perf_counter() - t
    return {"rows": rows, "drift_s": drift_s, "record_s": record_s, "load_s": load_s}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 1000])
    parser.add_argument("--postgres", help="also measure this PostgreSQL (a schema is created and dropped)")
    args = parser.parse_args()
    print(f"{'store':10} {'cameras':>8} {'rows':>8} {'drift':>8} {'record':>8} {'load':>8}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            r = await bench(os.path.join(tmp, "h.sqlite"), n)
        print(f"{'sqlite':10} {n:8d} {r['rows']:8d} {r['drift_s']:7.2f}s {r['record_s']:7.2f}s {r['load_s']:7.2f}s")
        if args.postgres:
            import asyncpg

            schema = f"camaudit_bench_{os.getpid()}"
            admin = await asyncpg.connect(args.postgres)
            await admin.execute(f"CREATE SCHEMA {schema}")
            try:
                sep = "&" if "?" in args.postgres else "?"
                r = await bench(f"{args.postgres}{sep}search_path={schema}", n)
            finally:
                await admin.execute(f"DROP SCHEMA {schema} CASCADE")
                await admin.close()
            print(f"{'postgres':10} {n:8d} {r['rows']:8d} {r['drift_s']:7.2f}s {r['record_s']:7.2f}s "
                  f"{r['load_s']:7.2f}s")


if __name__ == "__main__":
    asyncio.run(main())
