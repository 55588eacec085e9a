"""One full camaudit audit in a fresh process: discovery, facts, evaluation, HTML + JSON reports.

    CAMAUDIT_BENCH_PASSWORD=... python bench/scan_once.py SITE.yaml --out-dir DIR [--capture FILE]

Prints one JSON line with wall and CPU time of the audit (imports excluded,
reported apart), the peak RSS of this process, the time of each stage and what
was found. With ``--capture`` every HTTP request the scanner sends is recorded
(method, URL, headers, body) for the raw floor client to replay; a capture run
is never the measured run, because the recording costs memory.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import os
import resource
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from probes.facts import DeviceFacts

_T_START = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_now_mb() -> float:
    """Current resident set size of this process (not the peak)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def peak_since_last_mb() -> float | None:
    """Peak RSS since the previous call (VmHWM, then reset through /proc/self/clear_refs); None where unsupported."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except (OSError, StopIteration, ValueError):
        return None
    return round(peak / 1024, 1)


def timed_writer(fmt: str, writer: Callable[[Any, Path], None], spent: dict[str, float]) -> Callable[[Any, Path], None]:
    """`writer`, adding the CPU time of its thread to `spent[fmt]`."""

    def timed(result: Any, path: Path) -> None:
        started = time.thread_time()
        try:
            writer(result, path)
        finally:
            spent[fmt] = spent.get(fmt, 0.0) + time.thread_time() - started

    return timed


def gc_timer() -> dict[str, float]:
    """Time spent in the garbage collector, per generation (the facts of every camera are long-lived objects)."""
    import gc

    spent: dict[str, float] = {}
    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.process_time())
        elif started:
            key = f"gen{info['generation']}"
            spent[key] = spent.get(key, 0.0) + time.process_time() - started.pop()

    gc.callbacks.append(callback)
    return spent


class ReaderCpu(logging.Handler):
    """The CPU time each reader process reports when it ends (`--workers`; probes/onvif/shards.py logs it)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seconds: list[float] = []
        self.startup: list[float] = []  # of which starting (interpreter, imports, the shard unpickled)

    def emit(self, record: logging.LogRecord) -> None:
        cpu = getattr(record, "reader_cpu_s", None)
        if isinstance(cpu, float):
            self.seconds.append(cpu)
            self.startup.append(float(getattr(record, "reader_startup_cpu_s", 0.0)))

    def install(self) -> ReaderCpu:
        shards_log = logging.getLogger("probes.onvif.shards")
        shards_log.setLevel(logging.DEBUG)
        shards_log.addHandler(self)
        return self


def install_capture(records: list[dict[str, object]]) -> None:
    """Record every request of every aiohttp session (bench-only instrumentation via TraceConfig)."""
    import aiohttp

    trace = aiohttp.TraceConfig()

    async def on_headers(session: object, ctx: object, params: aiohttp.TraceRequestHeadersSentParams) -> None:
        # One record per HTTP request actually sent (a Digest retry inside aiohttp's middleware included),
        # with the headers as sent (Authorization added by the middleware included).
        ctx.record = {"method": params.method, "url": str(params.url),  # type: ignore[attr-defined]
                      "headers": {k: v for k, v in params.headers.items()
                                  if k.lower() in ("content-type", "soapaction", "authorization")},
                      "body": b"", "t": time.time()}
        records.append(ctx.record)  # type: ignore[attr-defined]

    async def on_chunk(session: object, ctx: object, params: aiohttp.TraceRequestChunkSentParams) -> None:
        rec = getattr(ctx, "record", None)
        if rec is not None:
            rec["body"] += params.chunk

    async def on_end(session: object, ctx: object, params: object) -> None:
        rec = getattr(ctx, "record", None)
        if rec is not None:
            rec["t_end"] = time.time()

    trace.on_request_headers_sent.append(on_headers)
    trace.on_request_end.append(on_end)
    trace.on_request_chunk_sent.append(on_chunk)
    original = aiohttp.ClientSession.__init__

    def patched(self: aiohttp.ClientSession, *args: object, **kwargs: object) -> None:
        kwargs["trace_configs"] = [*(kwargs.get("trace_configs") or []), trace]  # type: ignore[list-item]
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    aiohttp.ClientSession.__init__ = patched  # type: ignore[method-assign]


def preload() -> None:
    """Import what the scan imports lazily (its probes pull in aiohttp, zeroconf, scapy), so that the audit's
    figures exclude imports as the floor's do: the import time is reported apart (`import_s`)."""
    import importlib

    for module in ("probes.discovery._arp_probe", "probes.discovery._mdns_probe", "probes.discovery._ssdp_probe",
                   "probes.discovery._tcp_probe", "probes.discovery._wsd_probe", "probes.onvif.shards",
                   "probes.rtsp", "probes.egress", "scanner.early_reads", "scanner.credentials", "scanner.cabundle",
                   "profiles", "profiles.unread", "reports.html", "reports.jsonout"):
        importlib.import_module(module)


async def audit(args: argparse.Namespace) -> dict[str, object]:
    from pydantic import SecretStr

    from probes import clock
    from probes.runloop import loop_name
    from reports.emit import REPORTERS, write_reports
    from scanner.pipeline import ScanOptions, run_scan
    from scanner.site import Credentials, load_site

    preload()

    t_import = time.perf_counter() - _T_START
    marks: dict[str, float] = {}
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    site_file = load_site(args.site)
    creds = None
    if args.username:
        creds = Credentials(username=args.username,
                            password=SecretStr(os.environ.get("CAMAUDIT_BENCH_PASSWORD", "")))
    read_count = 0
    first_read: datetime | None = None
    wall0 = clock.now()  # the sheets' read_started is on the product's clock

    rss: dict[str, float] = {"start": round(rss_now_mb(), 1)}
    peaks: dict[str, float | None] = {"start": peak_since_last_mb()}  # the peak within each phase
    gc_spent = gc_timer()
    readers = ReaderCpu().install()

    def on_discovered(devices: list[object]) -> None:
        marks["discovered"] = time.perf_counter() - t0
        marks["candidates"] = len(devices)
        rss["discovered"] = round(rss_now_mb(), 1)
        peaks["discovery"] = peak_since_last_mb()

    def on_device(facts: DeviceFacts) -> None:
        nonlocal read_count, first_read
        read_count += 1
        if facts.read_started is not None:  # reads may start while discovery listens (scanner/early_reads.py)
            first_read = min(first_read or facts.read_started, facts.read_started)
        marks["read"] = time.perf_counter() - t0
        rss["facts_read"] = rss_now_mb()

    options = ScanOptions(credentials=creds, on_discovered=on_discovered, on_device=on_device,
                          workers=args.workers, early_reads=not args.no_early_reads)
    result = await run_scan(site_file, options)
    marks["evaluated"] = time.perf_counter() - t0
    rss["evaluated"] = round(rss_now_mb(), 1)
    peaks["facts+evaluation"] = peak_since_last_mb()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report_cpu: dict[str, float] = {}  # CPU of each report's writer (in the writing thread)
    for fmt, writer in list(REPORTERS.items()):
        REPORTERS[fmt] = timed_writer(fmt, writer, report_cpu)
    await asyncio.to_thread(write_reports, result, html=out / "report.html", json=out / "scan.json")
    wall = time.perf_counter() - t0
    rss["reported"] = round(rss_now_mb(), 1)
    peaks["reports"] = peak_since_last_mb()
    rss["facts_read"] = round(rss.get("facts_read", 0.0), 1)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    k1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # reader worker processes (--workers), reaped by now

    cpu_self = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    statuses: dict[str, int] = {}
    for device in result.devices:
        for fact in device.facts.values():
            statuses[str(fact.status)] = statuses.get(str(fact.status), 0) + 1
    return {
        "import_s": round(t_import, 3),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu_self, 3),
        "cpu_total_s": round(r1.ru_utime + r1.ru_stime, 3),
        "cpu_workers_s": round((k1.ru_utime - k0.ru_utime) + (k1.ru_stime - k0.ru_stime), 3),
        "cpu_readers_s": [round(c, 3) for c in readers.seconds],  # each reader process's own report
        "cpu_readers_startup_s": [round(c, 3) for c in readers.startup],
        # the busiest process: the scan's critical path in CPU (this process reads too when --workers is 1)
        "cpu_busiest_s": round(max([cpu_self, *readers.seconds]), 3),
        # ru_maxrss follows VmHWM, which each phase resets: the largest phase peak is the process's peak
        "peak_rss_mb": max([round(r1.ru_maxrss / 1024, 1), *(p for p in peaks.values() if p is not None)]),
        "peak_rss_worker_mb": round(k1.ru_maxrss / 1024, 1),  # the largest reaped child
        "workers": args.workers,
        "gc_s": {k: round(v, 3) for k, v in sorted(gc_spent.items())},
        "loop": loop_name(),
        "rss_mb_at": rss,
        "peak_rss_mb_in": peaks,
        "discovery_s": round(marks.get("discovered", 0.0), 3),
        "facts_done_s": round(marks.get("read", marks.get("discovered", 0.0)), 3),
        # the facts phase starts with the first read: before discovery ends when reads start early
        "reads_started_s": round((first_read - wall0).total_seconds(), 3) if first_read else marks.get(
            "discovered", 0.0),
        "evaluated_s": round(marks["evaluated"], 3),
        "report_cpu_s": {fmt: round(cpu, 3) for fmt, cpu in report_cpu.items()},
        "discovered": marks.get("candidates", 0),  # what discovery handed to the reader (named/declared included)
        "devices": len(result.devices),
        "devices_read": read_count,
        "devices_with_errors": sum(1 for d in result.devices if d.errors),
        "facts": statuses,
        "findings": len(result.findings),
        "html_bytes": (out / "report.html").stat().st_size,
    }


def main() -> None:
    from probes.runloop import run

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--username", help="auditor user (password from $CAMAUDIT_BENCH_PASSWORD)")
    parser.add_argument("--capture", help="write every HTTP request sent to this JSONL file")
    parser.add_argument("--profile", help="profile the audit with pyinstrument; write FILE.txt")
    parser.add_argument("--workers", type=int, default=1,
                        help="reader processes (scan --workers; 1: read in this process, as before)")
    parser.add_argument("--no-early-reads", action="store_true",
                        help="read only after discovery ends (as before round five; scanner/early_reads.py)")
    args = parser.parse_args()
    records: list[dict[str, object]] = []
    if args.capture:
        install_capture(records)
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001, async_mode="enabled")
        profiler.start()
        figures = run(audit(args))
        profiler.stop()
        Path(args.profile + ".txt").write_text(profiler.output_text(unicode=True, show_all=False),
                                               encoding="utf-8")
    else:
        figures = run(audit(args))
    if args.capture:
        with open(args.capture, "w", encoding="utf-8") as fh:
            for rec in records:
                body = rec["body"]
                assert isinstance(body, bytes)
                fh.write(json.dumps({**rec, "body": base64.b64encode(body).decode()}) + "\n")
        figures["captured_requests"] = len(records)
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
