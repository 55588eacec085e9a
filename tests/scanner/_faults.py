"""Fault injection for the delivery guarantee: `camaudit scan` killed with SIGKILL at a named barrier, then run again.

Shared by tests/scanner/test_delivery_faults.py (asserts) and bench/delivery_faults.py (prints the table).
Real parts only: lab cameras over real sockets (served by the calling process), a real Mosquitto, the
real CLI in a child process, a subscriber connected before the first scan that counts what arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lab.loader import load_fleet
from lab.server import run_fleet
from tests.reports.mqtt._broker import Mosquitto, Recorder

ROOT = Path(__file__).resolve().parents[2]
DEMO_FLEET = ROOT / "lab" / "fleets" / "demo.yaml"
DEMO_SITE = ROOT / "lab" / "fleets" / "demo-site.yaml"
CAMERAS = 5  # of the demo fleet: enough alerts to be killed between two of them, quick to scan
ALERTING = ("fail", "unknown", "error")
BARRIER_TIMEOUT = 120.0  # s for the child to reach its barrier (a loaded CI machine)


@dataclass
class Outcome:
    """What one kill point left, seen from the subscriber and the history."""

    barrier: str
    killed: bool  # the child reached the barrier and was killed there
    due: set[str] = field(default_factory=set)  # finding uids an alert was due for
    delivered: dict[str, set[str]] = field(default_factory=dict)  # uid -> message ids received
    copies: int = 0  # finding messages received in all
    statuses: list[str] = field(default_factory=list)  # history, oldest first
    loadable: bool = True  # every complete scan loads whole
    exit_code: int | None = None  # of the run after the kill

    @property
    def arrived(self) -> int:
        return len(self.due & set(self.delivered))

    @property
    def duplicated(self) -> int:
        return self.copies - len(self.delivered)

    @property
    def split_ids(self) -> int:
        """Findings whose copies carry more than one message id (a consumer would alert twice)."""
        return sum(len(ids) > 1 for ids in self.delivered.values())

    def row(self) -> str:
        return (f"| {self.barrier} | {len(self.due)} | {self.arrived} | {self.duplicated} | {self.split_ids} | "
                f"{', '.join(self.statuses)} |")


@contextlib.asynccontextmanager
async def lab_site(workdir: Path) -> Any:
    """The first CAMERAS demo cameras on ephemeral ports, and a site file naming them (declarations kept)."""
    fleet = load_fleet(DEMO_FLEET)
    fleet = fleet.model_copy(update={"cameras": fleet.cameras[:CAMERAS]})
    async with run_fleet(fleet, port_override=0) as running:
        site = yaml.safe_load(DEMO_SITE.read_text())
        site["scope"] = {"hosts": [f"{c.address}:{c.port}" for c in running.cameras]}
        names = {c.spec.name for c in running.cameras}
        site["cameras"] = [c for c in site.get("cameras", []) if c.get("name") in names]
        path = workdir / "site.yaml"
        path.write_text(yaml.safe_dump(site, sort_keys=False))
        yield path


def scan_command(site: Path, workdir: Path, history: str, broker_port: int, command: str = "scan") -> list[str]:
    """`camaudit scan` (or `watch --once`, the same cycle as a scheduled watch) with --json and --mqtt."""
    how = ["scan", "-q"] if command == "scan" else ["watch", "--once"]
    return [sys.executable, "-m", "scanner", *how, "--site", str(site), "--history", history,
            "--json", str(workdir / "scan.json"),
            "--mqtt", f"mqtt://127.0.0.1:{broker_port}", "--mqtt-format", "native",
            "--mqtt-outbox", str(workdir / "outbox.sqlite"), "--mqtt-timeout", "30"]


def child_env(workdir: Path, barrier: str | None, tree: Path = ROOT) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CAMAUDIT_TEST_BARRIER"}
    env.update(CAMAUDIT_STATE_DIR=str(workdir / "state"), CAMAUDIT_DEMO_PASSWORD="demo-pass",
               PYTHONPATH=str(tree), COLUMNS="200")
    if barrier:
        env["CAMAUDIT_TEST_BARRIER"] = barrier
    return env


async def run_until_barrier(cmd: list[str], env: dict[str, str], cwd: Path) -> bool:
    """Run `cmd`; when it announces its barrier, SIGKILL it. False when it finished without reaching it."""
    child = await asyncio.create_subprocess_exec(*cmd, env=env, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
                                                 stdout=asyncio.subprocess.DEVNULL,
                                                 stderr=asyncio.subprocess.PIPE)
    assert child.stderr is not None
    try:
        async with asyncio.timeout(BARRIER_TIMEOUT):
            while line := await child.stderr.readline():
                if line.startswith(b"camaudit-barrier "):
                    child.send_signal(signal.SIGKILL)
                    await child.wait()
                    return True
            await child.wait()
            return False
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()


async def run_to_end(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    child = await asyncio.create_subprocess_exec(*cmd, env=env, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
                                                 stdout=asyncio.subprocess.DEVNULL,
                                                 stderr=asyncio.subprocess.PIPE)
    _out, err = await asyncio.wait_for(child.communicate(), BARRIER_TIMEOUT)
    return int(child.returncode or 0), err.decode(errors="replace")


async def history_state(history: str) -> tuple[list[str], bool, set[str]]:
    """Statuses oldest first, whether every complete scan loads, and the alerting uids of the latest one."""
    from scanner.history import ScanStatus, open_history

    async with open_history(history) as store:
        records = list(reversed(await store.list_scans(limit=100)))
        loadable, due = True, set()
        for record in records:
            if record.status is not ScanStatus.COMPLETE:
                continue
            try:
                scan = await store.load_scan(record.scan_id)
            except Exception:  # noqa: BLE001 - counted as a half-written scan
                loadable = False
                continue
            due = {f.uid for f in scan.findings
                   if str(f.result) in ALERTING and not f.needs_declaration}
        return [r.status.value for r in records], loadable, due


async def kill_and_rerun(barrier: str, workdir: Path, site: Path, history: str, *, tree: Path = ROOT,
                         command: str = "scan") -> Outcome:
    """A broker and a subscriber, the scan killed at `barrier`, the scan again; what arrived."""
    workdir.mkdir(parents=True, exist_ok=True)
    broker = Mosquitto(workdir).start()
    try:
        async with Recorder(broker.port, "camaudit/#") as recorder:
            cmd = scan_command(site, workdir, history, broker.port, command)
            killed = await run_until_barrier(cmd, child_env(workdir, barrier, tree), workdir)
            code, err = await run_to_end(cmd, child_env(workdir, None, tree), workdir)
            assert "Traceback" not in err, err

            def finished(messages: list[Any]) -> bool:
                return sum(1 for m in messages if "/scan/" in m.topic and m.json().get("event") == "finished") >= 1

            with contextlib.suppress(TimeoutError):
                await recorder.wait_for(finished, timeout=20)
            await asyncio.sleep(0.5)  # the broker forwards after it acknowledged: let the tail arrive
            messages = list(recorder.messages)
    finally:
        broker.stop()
    outcome = Outcome(barrier=barrier, killed=killed, exit_code=code)
    for m in messages:
        if "/finding/" not in m.topic:
            continue
        body = m.json()
        uid = body["finding"]["uid"]
        outcome.copies += 1
        outcome.delivered.setdefault(uid, set()).add(body["message_id"])
    outcome.statuses, outcome.loadable, outcome.due = await history_state(history)
    return outcome
