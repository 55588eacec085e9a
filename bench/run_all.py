"""Run every benchmark from one command, print one table, optionally write it into bench/README.md.

    python bench/run_all.py                  # everything (about 5 minutes on 2 cores)
    python bench/run_all.py --quick          # 100 cameras only, no slow case
    python bench/run_all.py --only audit,mqtt
    python bench/run_all.py --write-readme   # also replace the results section of bench/README.md

Each benchmark runs as its own process (so its CPU and memory figures are its
own) and hands its figures back as JSON. A benchmark that fails is reported as
failed in the table with its error; the others still run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH_DIR, REPO, Report, load_average, machine, prepare_process

README = BENCH_DIR / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def _script(name: str, *args: str) -> Callable[[str], list[str]]:
    return lambda json_out: [str(BENCH_DIR / name), *args, "--json-out", json_out]


def _report_html(json_out: str) -> list[str]:
    """The reports engineer's bench/report_html.py prints text; `_parse_report_html` turns it into rows."""
    return [str(BENCH_DIR / "report_html.py"), "--cameras", "1000"]


def benchmarks(quick: bool) -> dict[str, Callable[[str], list[str]]]:
    sizes = "100" if quick else "100,1000"
    audit_args = ["--sizes", sizes] + (["--no-slow"] if quick else [])
    return {
        "audit": _script("audit.py", *audit_args),
        "silent": _script("silent_net.py"),
        "peer": _script("peer.py", "--cameras", "20" if quick else "100"),
        "report": _report_html,
        "mqtt": _script("mqtt_outbox.py", "--messages", "2000" if quick else "10000"),
        "egress": _script("egress_pcap.py", "--size-mb", "100" if quick else "1024"),
        "rtsp": _script("rtsp_probe.py", "--sizes", "100" if quick else "1000"),
    }


EXTRAS: dict[str, Callable[[str], list[str]]] = {
    # not part of the default run (they repeat parts of `audit`), but runnable with --only
    "facts": _script("facts_1000.py", "--sizes", "1000", "--no-heap"),
}


def _parse_report_html(stdout: str) -> Report:
    report = Report()
    label = "report 1000 cameras"

    def grab(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, stdout)

    if m := grab(r"sample scan: (\d+) cameras, ([\d,]+) findings"):
        label = f"report {m.group(1)} cameras"
        report.notes.append(f"{label}: sample scan of tests/reports/factory.py with {m.group(2)} findings")
    if m := grab(r"HTML render in Python: ([\d.]+) s.*?file size ([\d.]+) MB"):
        report.add(label, "HTML rendered in Python", float(m.group(1)), "s")
        report.add(label, "HTML file size", float(m.group(2)), "MB")
    if m := grab(r"median of (\d+): (\d+) ms\s+\[([^\]]*)\]"):
        value = float(m.group(2))
        report.add(label, "Chromium render: navigation to first frame after ready", value, "ms", "≤ 1,000 ms",
                   value <= 1000, note=f"median of {m.group(1)}: {m.group(3)} ms")
    if m := grab(r"slowest filter until frame[^:\n]*: ([\d.]+) ms"):
        value = float(m.group(1))
        report.add(label, "filter applied until next frame (slowest filter)", value, "ms", "≤ 100 ms",
                   value <= 100)
    if not report.rows:
        report.add(label, "benchmark", "output not understood", "", note=stdout.strip().splitlines()[-1][:200]
                   if stdout.strip() else "no output")
    return report


def run_one(name: str, argv: list[str], json_out: Path, timeout: float) -> Report:
    print(f"== {name}: {' '.join(Path(a).name if a.startswith('/') else a for a in argv)}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], cwd=REPO, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()  # SIGTERM: the benchmark cleans up its labs and namespaces
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        report = Report()
        report.add(name, "benchmark", "timed out", "", note=f"after {timeout:.0f} s")
        return report
    took = time.perf_counter() - t0
    sys.stdout.write(stdout)
    if proc.returncode == 0 and name == "report" and not json_out.exists():
        print(f"   ({took:.0f} s)", flush=True)
        return _parse_report_html(stdout)
    if proc.returncode != 0 or not json_out.exists():
        report = Report()
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        report.add(name, "benchmark", "failed", "", note=last[:200])
        tail = "\n".join(stderr.strip().splitlines()[-8:])
        report.notes.append(f"{name} failed (exit {proc.returncode}):\n\n```\n{tail}\n```")
        print(stderr[-3000:], file=sys.stderr)
        return report
    print(f"   ({took:.0f} s)", flush=True)
    return Report.from_json(json_out.read_text(encoding="utf-8"))


def memory_gib() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def header(priority: str, load_before: str, took_s: float) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count())
    return (f"Run {now} on {machine()}; `nproc` = {nproc}, memory {memory_gib()}.\n"
            f"Command: `python bench/run_all.py{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}` "
            f"({took_s / 60:.0f} min, benchmark processes at {priority}); machine load average before: "
            f"{load_before}, after: {load_average()} (the machine is shared: wall times under load are "
            f"pessimistic, CPU times much less so).")


def write_readme(text: str) -> None:
    block = f"{BEGIN}\n{text}\n{END}"
    current = README.read_text(encoding="utf-8") if README.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN in current and END in current:
        updated = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, current, flags=re.DOTALL)
    else:
        updated = current.rstrip() + "\n\n## Latest results\n\n" + block + "\n"
    README.write_text(updated, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of every benchmark")
    parser.add_argument("--only", help="comma-separated subset of: audit, silent, peer, report, mqtt, egress, rtsp "
                                       "(and the extra: facts)")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800, help="per benchmark, seconds")
    args = parser.parse_args()
    priority = prepare_process()
    load_before = load_average()
    default = benchmarks(args.quick)
    table = {**default, **EXTRAS}
    chosen = args.only.split(",") if args.only else list(default)
    unknown = set(chosen) - set(table)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    total = Report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="camaudit-bench-") as tmp:
        for name in chosen:
            json_out = Path(tmp) / f"{name}.json"
            total.extend(run_one(name, table[name](str(json_out)), json_out, args.timeout))
    text = header(priority, load_before, time.perf_counter() - started) + "\n\n" + total.markdown()
    print("\n" + text)
    if args.write_readme:
        write_readme(text)
        print(f"\nwritten to {README.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
