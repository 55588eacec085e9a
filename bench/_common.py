"""Shared helpers for the benchmarks: figures, process accounting, subprocess lab, tables.

Every benchmark script prints its figures as a small markdown table and, with
``--json-out FILE``, writes them as JSON rows so that ``run_all.py`` can gather
them into one table. Times are figures, never assertions.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"

if str(REPO) not in sys.path:  # `python bench/x.py` from anywhere imports the project from this tree
    sys.path.insert(0, str(REPO))


@dataclass
class Row:
    """One figure of one benchmark, with its target (if any) and whether it was met."""

    bench: str
    metric: str
    value: float | int | str | None
    unit: str = ""
    target: str = ""
    met: bool | None = None  # None: no target or not measured
    note: str = ""

    def shown(self) -> str:
        if self.value is None:
            return "n/a"
        if isinstance(self.value, float):
            v = self.value
            text = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}" if abs(v) < 10 else f"{v:,.1f}"
        else:
            text = f"{self.value:,}" if isinstance(self.value, int) else str(self.value)
        return f"{text} {self.unit}".strip()

    def status(self) -> str:
        return "" if self.met is None else ("met" if self.met else "**missed**")


@dataclass
class Report:
    """The rows of one benchmark run plus free-text notes (what could not be measured, why)."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *args: Any, **kwargs: Any) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def extend(self, other: Report) -> None:
        self.rows.extend(other.rows)
        self.notes.extend(other.notes)

    def to_json(self) -> str:
        return json.dumps({"rows": [asdict(r) for r in self.rows], "notes": self.notes}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Report:
        data = json.loads(text)
        return cls(rows=[Row(**r) for r in data["rows"]], notes=list(data["notes"]))

    def markdown(self) -> str:
        lines = ["| benchmark | figure | value | target | status |", "|---|---|---|---|---|"]
        for r in self.rows:
            note = f" ({r.note})" if r.note else ""
            lines.append(f"| {r.bench} | {r.metric}{note} | {r.shown()} | {r.target} | {r.status()} |")
        out = "\n".join(lines)
        if self.notes:
            out += "\n\n" + "\n".join(f"- {n}" for n in self.notes)
        return out

    def emit(self, json_out: str | None) -> None:
        """Print the table; also write JSON rows when run from run_all."""
        print(self.markdown(), flush=True)
        if json_out:
            Path(json_out).write_text(self.to_json(), encoding="utf-8")


def target_max(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def target_min(value: float | None, limit: float) -> bool | None:
    return None if value is None else value >= limit


@dataclass
class Usage:
    """CPU and wall time of a block of code in this process, and the process's peak RSS."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0


@contextlib.contextmanager
def measure() -> Iterator[Usage]:
    usage = Usage()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    try:
        yield usage
    finally:
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        usage.wall_s = time.perf_counter() - t0
        usage.cpu_s = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        usage.peak_rss_mb = r1.ru_maxrss / 1024  # Linux: KiB


def unique_loopback_net(n: int) -> str:
    """A 127.x network big enough for n cameras, chosen per process so parallel runs do not collide."""
    size = max(256, 1 << (n + 16).bit_length())
    prefix = 32 - (size.bit_length() - 1)
    second = 100 + os.getpid() % 100  # 127.100.0.0 - 127.199.255.255
    return f"127.{second}.0.0/{prefix}"


class LabProcess:
    """A lab fleet served by `python bench/lab_serve.py` in its own process.

    The scanner's CPU and RSS figures are then its own; the lab's counters come
    back through a JSON file written when the lab is told to stop (SIGINT).
    """

    def __init__(self, n: int, *, reply_delay_s: float = 0.0, discovery: bool = True,
                 network: str | None = None, seed: int = 0, startup_timeout_s: float = 120.0,
                 port: int = 0, rtsp: bool = False) -> None:
        self.n = n
        self.reply_delay_s = reply_delay_s
        self.discovery = discovery
        self.network = network or unique_loopback_net(n)
        self.seed = seed
        self.startup_timeout_s = startup_timeout_s
        self.port = port  # 0: an ephemeral port per camera (found by WS-Discovery); else this port on every address
        self.rtsp = rtsp
        self._dir = tempfile.TemporaryDirectory(prefix="camaudit-bench-lab-")
        self.info_path = Path(self._dir.name) / "lab.json"
        self.stats_path = Path(self._dir.name) / "stats.json"
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> LabProcess:
        cmd = [sys.executable, str(BENCH_DIR / "lab_serve.py"), str(self.n), "--network", self.network,
               "--seed", str(self.seed), "--delay", str(self.reply_delay_s), "--info", str(self.info_path),
               "--stats", str(self.stats_path)]
        if not self.discovery:
            cmd.append("--no-discovery")
        if self.port:
            cmd += ["--port", str(self.port)]
        if self.rtsp:
            cmd.append("--rtsp")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO)
        deadline = time.monotonic() + self.startup_timeout_s
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if line.startswith("LISTENING"):
                break
            if not line and self.proc.poll() is not None:
                raise RuntimeError(f"lab process exited with {self.proc.returncode} before listening")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("lab process did not start in time")
        self.info = json.loads(self.info_path.read_text(encoding="utf-8"))
        return self

    def stats(self) -> dict[str, Any]:
        """Ask the lab for its request counters (SIGUSR1 -> it writes stats.json)."""
        assert self.proc is not None
        self.stats_path.unlink(missing_ok=True)
        self.proc.send_signal(signal.SIGUSR1)
        for _ in range(200):
            if self.stats_path.exists():
                with contextlib.suppress(json.JSONDecodeError):
                    return json.loads(self.stats_path.read_text(encoding="utf-8"))
            time.sleep(0.05)
        return {}

    def cpu_s(self) -> float:
        """CPU time (user + system) the lab process has used so far: it shares the machine with the scanner."""
        assert self.proc is not None
        return process_cpu_s(self.proc.pid)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._dir.cleanup()


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def run_json_subprocess(args: list[str], *, timeout: float = 900, env: dict[str, str] | None = None
                        ) -> dict[str, Any]:
    """Run a helper script that prints one JSON object on its last stdout line."""
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:1])} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    last = [line for line in proc.stdout.splitlines() if line.strip()][-1]
    return json.loads(last)


BENCH_NICE = int(os.environ.get("CAMAUDIT_BENCH_NICE", "-10"))


def raise_priority() -> str:
    """Run this benchmark (and the processes it starts) at nice BENCH_NICE when allowed (root).

    The machine is shared with other work; a higher priority keeps that work from
    distorting the figures. Scanner, lab and floor all inherit the same priority, so
    ratios stay fair. Returns what was done, for the README header.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, 0, BENCH_NICE)
    except (PermissionError, OSError):
        return f"nice {os.getpriority(os.PRIO_PROCESS, 0)} (could not set {BENCH_NICE})"
    return f"nice {BENCH_NICE}"


def prepare_process() -> str:
    """Priority as above, and SIGTERM turned into SystemExit so `with` blocks (labs, namespaces) clean up."""

    def _terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    return raise_priority()


def machine() -> str:
    cores = os.cpu_count() or 0
    mem_kib = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    python = sys.version.split()[0]
    return f"{cores} cores ({cpu or 'unknown CPU'}), {mem_kib / 1024 / 1024:.1f} GiB RAM, Python {python}"
