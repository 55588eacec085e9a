"""Central collection: what one collector ingests per second, and how fast the dashboard answers at size.

1. Ingestion. A throw-away PostgreSQL (tests/pgserver.py) and a Mosquitto on a free port.
   `--ingest-sites` scans of `--ingest-cameras` cameras (the deterministic sample scan of
   tests/reports/factory.py, 60 findings per camera) become the MQTT messages a site agent sends (alerts in
   native format, and the scan document in chunks). Floor: a bare aiomqtt subscriber receiving the same
   messages (no parsing, no database). Then one in-process `Collector` receives them and stores every scan:
   messages/s, scans/s, and the ratio to the floor.
2. Dashboard. `--sites` sites x `--days` daily scans of `--cameras` cameras, kept by the retention policy of
   docs/deployment.md: full detail (devices, facts, findings) for the last `--full-days` days, the `scans` row
   and its `scan_summaries` for older ones. Median of 5 requests per page over HTTP on 127.0.0.1, against the
   floor of `/healthz` (same server, same middleware, no database).

    python bench/collector.py [--sites 10 --cameras 200 --days 90 --full-days 3]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiohttp
import aiomqtt

from probes import clock
from reports.model import ScanResult
from reports.mqtt import MqttConfig, MqttFormat
from reports.mqtt.documents import document_messages
from reports.mqtt.messages import result_messages
from scanner.collect import Collector, CollectorOptions, CollectorStore
from scanner.collect.store import summary_rows
from scanner.dashboard import DashboardOptions, DashboardStore, build_app
from tests.pgserver import TempPostgres, with_search_path
from tests.reports.factory import make_scan
from tests.reports.mqtt._broker import Mosquitto
from tests.support.ports import free_port


def site_scan(site: str, cameras: int, seed: int, day: int) -> ScanResult:
    scan = make_scan(cameras, findings_per_device=60, seed=seed, hostile=False, with_changes=False)
    started = clock.now() - timedelta(days=day)
    meta = scan.meta.model_copy(update={"site": site, "scan_id": f"{site}-d{day:03d}", "started_at": started,
                                        "finished_at": started + timedelta(minutes=2)})
    return scan.model_copy(update={"meta": meta})


async def ingestion(pg: TempPostgres, workdir: Path, sites: int, cameras: int) -> None:
    broker = Mosquitto(workdir, options={"max_queued_messages": "0"}).start()
    try:
        config = MqttConfig(host="127.0.0.1", port=broker.port, outbox=workdir / "unused.sqlite",
                            format=MqttFormat.NATIVE, documents=True)
        batches = []
        for n in range(sites):
            scan = site_scan(f"site-{n:02d}", cameras, seed=n + 1, day=0)
            batches.append(result_messages(scan, config, "bench") + document_messages(scan, config, "bench"))
        messages = [m for batch in batches for m in batch]
        size = sum(len(m.payload) for m in messages)
        print(f"ingestion: {sites} scans of {cameras} cameras = {len(messages)} messages, {size / 1e6:.1f} MB")

        async def publish() -> None:
            async with aiomqtt.Client("127.0.0.1", broker.port, protocol=aiomqtt.ProtocolVersion.V5,
                                      max_inflight_messages=100) as pub:
                pub.pending_calls_threshold = 1000  # 100 publishes in flight on purpose: no warning per call
                window = asyncio.Semaphore(100)  # PUBACKs awaited in parallel, as the agent's publisher does

                async def one(topic: str, payload: bytes) -> None:
                    async with window:
                        await pub.publish(topic, payload, qos=1)

                await asyncio.gather(*(one(m.topic, m.payload) for m in messages))

        # floor: a bare subscriber
        async with aiomqtt.Client("127.0.0.1", broker.port, protocol=aiomqtt.ProtocolVersion.V5,
                                  max_queued_incoming_messages=0) as sub:
            await sub.subscribe("camaudit/v1/#", qos=1)
            t0 = time.perf_counter()
            sender = asyncio.create_task(publish())
            got = 0
            async for _ in sub.messages:
                got += 1
                if got == len(messages):
                    break
            floor = time.perf_counter() - t0
            await sender
        print(f"  floor (bare subscriber): {floor:.2f} s, {len(messages) / floor:,.0f} msg/s")

        url = with_search_path(pg.url("test"), "ingest")
        import asyncpg

        admin = await asyncpg.connect(pg.url("test"))
        await admin.execute("CREATE SCHEMA ingest")
        await admin.close()
        async with CollectorStore(url) as store:
            collector = Collector(config, store, CollectorOptions(collector_id="bench", gap_interval=3600))
            stop = asyncio.Event()
            task = asyncio.create_task(collector.run(stop))
            await collector.connected.wait()
            t0 = time.perf_counter()
            await publish()
            count = "SELECT count(*) FROM scans WHERE status = 'complete'"
            # polling the database, which has no event to wait on
            while collector.stats.messages < len(messages) or await store._p().fetchval(count) < sites:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            took = time.perf_counter() - t0
            stored = await store._p().fetchval(count)
            stop.set()
            await task
        print(f"  one collector: {took:.2f} s, {len(messages) / took:,.0f} msg/s, {stored / took:.2f} scans/s "
              f"({stored} stored, {collector.stats.dead_letters} dead letters), {took / floor:.1f}x the floor")
    finally:
        broker.stop()


async def dashboard(pg: TempPostgres, sites: int, cameras: int, days: int, full_days: int) -> None:
    import asyncpg

    admin = await asyncpg.connect(pg.url("test"))
    await admin.execute("CREATE SCHEMA dash")
    await admin.close()
    url = with_search_path(pg.url("test"), "dash")
    t0 = time.perf_counter()
    async with CollectorStore(url) as store:
        pool = store._p()
        for n in range(sites):
            site = f"site-{n:02d}"
            template = None
            for day in range(days - 1, -1, -1):
                if day < full_days:
                    scan = site_scan(site, cameras, seed=n * 1000 + day, day=day)
                    await store.store_document(scan, scanner_id="bench", received_at=clock.now())
                    template = template or scan
                    continue
                scan = template or site_scan(site, cameras, seed=n * 1000, day=day)
                template = scan
                started = clock.now() - timedelta(days=day)
                scan_id = f"{site}-d{day:03d}"
                await pool.execute(
                    "INSERT INTO scans (scan_id, site, status, started_at, finished_at, devices_count, fail_count) "
                    "VALUES ($1, $2, 'complete', $3, $3, $4, $5)", scan_id, site, started, len(scan.devices),
                    sum(1 for f in scan.findings if str(f.result) == "fail"))
                rows = [(scan_id, site, started, *r[3:]) for r in summary_rows(scan)]
                await pool.copy_records_to_table("scan_summaries", records=rows,
                                                 columns=("scan_id", "site", "started_at", "profile", "severity",
                                                          "result", "count"))
        findings = await pool.fetchval("SELECT count(*) FROM findings")
        summaries = await pool.fetchval("SELECT count(*) FROM scan_summaries")
    print(f"dashboard: {sites} sites x {days} daily scans x {cameras} cameras; full detail for {full_days} days "
          f"({findings:,} finding rows), summaries for all ({summaries:,} rows); filled in "
          f"{time.perf_counter() - t0:.0f} s")
    async with DashboardStore(url) as store:
        from aiohttp import web

        runner = web.AppRunner(build_app(store, DashboardOptions(auth_header="X-User")))
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        base = f"http://127.0.0.1:{port}"
        day_a = (clock.now() - timedelta(days=2)).strftime("%Y-%m-%d")
        day_b = clock.now().strftime("%Y-%m-%d")
        pages = {"floor /healthz": "/healthz", "overview /": "/", "site page": "/site?site=site-00",
                 "compare two dates": f"/compare?site=site-00&a={day_a}&b={day_b}",
                 "latest report": "/report?site=site-00"}
        async with aiohttp.ClientSession(headers={"X-User": "bench"}) as http:
            times: dict[str, float] = {}
            for name, path in pages.items():
                samples = []
                for _ in range(5):
                    t = time.perf_counter()
                    async with http.get(base + path) as r:
                        await r.read()
                        assert r.status == 200, (path, r.status)
                    samples.append(time.perf_counter() - t)
                times[name] = statistics.median(samples)
        await runner.cleanup()
    floor = times["floor /healthz"]
    print("| page | median of 5 | x floor |\n|---|---|---|")
    for name, value in times.items():
        print(f"| {name} | {value * 1000:.1f} ms | {value / floor:.0f}x |")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--cameras", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--full-days", type=int, default=3)
    parser.add_argument("--ingest-sites", type=int, default=4, help="scans sent for the ingestion figures")
    parser.add_argument("--ingest-cameras", type=int, default=50)
    parser.add_argument("--skip-ingestion", action="store_true")
    parser.add_argument("--skip-dashboard", action="store_true")
    args = parser.parse_args()
    import tempfile

    with TempPostgres() as pg, tempfile.TemporaryDirectory(prefix="camaudit-bench-") as tmp:
        if not args.skip_ingestion:
            await ingestion(pg, Path(tmp), args.ingest_sites, args.ingest_cameras)
        if not args.skip_dashboard:
            await dashboard(pg, args.sites, args.cameras, args.days, args.full_days)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
