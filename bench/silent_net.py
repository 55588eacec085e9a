"""Benchmark 3: discovery of a /24 where almost every address is silent (network namespaces, root only).

    sudo python bench/silent_net.py

Builds a small LAN out of namespaces: a switch namespace with a bridge, a
scanner namespace (198.51.100.254/24) and a camera namespace holding the lab
cameras' addresses. The other ~240 addresses of 198.51.100.0/24 do not exist, so
ARP never answers for them (the realistic slow case: every TCP connect and
unicast datagram to them waits for ARP to give up). Times `discover()` run
inside the scanner namespace. Everything created is removed, whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH_DIR, REPO, Report, prepare_process, target_max

NETWORK = "198.51.100.0/24"  # RFC 5737 TEST-NET-2, only inside our namespaces (TEST-NET-1 is this host's eth0)
SCANNER_IP = "198.51.100.254"


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


class Lan:
    """Namespaces, veths and a bridge with pid-unique names; removed on exit."""

    def __init__(self, camera_ips: list[str]) -> None:
        pid = os.getpid() % 100000
        self.ns_switch, self.ns_scan, self.ns_cam = f"casw{pid}", f"cass{pid}", f"casc{pid}"
        self.camera_ips = camera_ips
        self.pid = pid

    def __enter__(self) -> Lan:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def _build(self) -> None:
        p = self.pid
        for ns in (self.ns_switch, self.ns_scan, self.ns_cam):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", self.ns_switch, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.ns_switch, "link", "set", "br0", "up")
        for ns, inner, outer in ((self.ns_scan, f"sv{p}", f"sb{p}"), (self.ns_cam, f"cv{p}", f"cb{p}")):
            sh("ip", "-n", self.ns_switch, "link", "add", outer, "type", "veth", "peer", "name", inner, "netns", ns)
            sh("ip", "-n", self.ns_switch, "link", "set", outer, "master", "br0", "up")
            sh("ip", "-n", ns, "link", "set", inner, "up")
            sh("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", inner, check=False)
        sh("ip", "-n", self.ns_scan, "addr", "add", f"{SCANNER_IP}/24", "dev", f"sv{p}")
        for ip in self.camera_ips:
            sh("ip", "-n", self.ns_cam, "addr", "add", f"{ip}/24", "dev", f"cv{p}")

    def exec_args(self, ns: str) -> list[str]:
        return ["ip", "netns", "exec", ns]

    def close(self) -> None:
        for ns in (self.ns_cam, self.ns_scan, self.ns_switch):
            pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
            for pid in pids:  # only processes inside our own namespace: the lab we started
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            sh("ip", "netns", "del", ns, check=False)

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def lab_in(lan: Lan, n: int, port: int) -> Iterator[subprocess.Popen[str]]:
    with tempfile.TemporaryDirectory(prefix="camaudit-bench-ns-") as tmp:
        cmd = [*lan.exec_args(lan.ns_cam), sys.executable, str(BENCH_DIR / "lab_serve.py"), str(n),
               "--network", NETWORK, "--port", str(port), "--multicast",
               "--info", f"{tmp}/lab.json", "--stats", f"{tmp}/stats.json"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO)
        try:
            assert proc.stdout is not None
            deadline = time.monotonic() + 60
            while True:
                line = proc.stdout.readline()
                if line.startswith("LISTENING"):
                    break
                if (not line and proc.poll() is not None) or time.monotonic() > deadline:
                    raise RuntimeError("the lab in the camera namespace did not start")
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def camera_addresses(n: int, port: int) -> list[str]:
    from lab import generate_fleet

    fleet = generate_fleet(n, network=NETWORK, port=port, seed=0)
    return [c.address for c in fleet.cameras]


def discover_in(lan: Lan, *extra: str) -> dict[str, Any]:
    """discover() of the /24, run by a fresh process inside the scanner namespace."""
    proc = subprocess.run([*lan.exec_args(lan.ns_scan), sys.executable, str(BENCH_DIR / "discover_once.py"),
                           NETWORK, *extra], capture_output=True, text=True, timeout=120, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"discover_once failed in the namespace:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run(n: int, port: int, report: Report) -> None:
    label = "silent /24 discovery"
    if os.geteuid() != 0 or shutil.which("ip") is None:
        report.notes.append(f"{label}: skipped (needs root and iproute2 for network namespaces)")
        report.add(label, "discover() wall time", None, "s", "≤ 3 s", None, note="skipped: not root")
        return
    ips = camera_addresses(n, port)
    assert SCANNER_IP not in ips
    silent = sum(1 for _ in ipaddress.ip_network(NETWORK).hosts()) - len(ips) - 1
    with Lan(ips) as lan, lab_in(lan, n, port):
        # Never run discovery outside the scanner namespace: NETWORK exists only in there.
        cold = discover_in(lan, "--no-warm")  # a first discovery of a fresh process: imports included
        sh("ip", "-n", lan.ns_scan, "neigh", "flush", "all", check=False)  # ARP state as fresh as the first
        fig = discover_in(lan)  # imports warmed by a loopback discovery first; the /24 is measured
    report.add(label, "discover() wall time", fig["wall_s"], "s", "≤ 3 s", target_max(fig["wall_s"], 3.0),
               note=f"{fig['onvif_devices']}/{n} cameras found, {silent} silent addresses, "
                    f"timeout {fig['timeout_s']} s, signals {', '.join(fig['signals'])}")
    report.add(label, "discover() CPU time", fig["cpu_s"], "s")
    report.add(label, "same, first discovery of a fresh process (imports included)", cold["wall_s"], "s")
    report.notes.append(f"{label}: discovery's own timeline: {'; '.join(fig.get('timeline', []))}")
    if fig["onvif_devices"] < n:
        report.notes.append(f"{label}: only {fig['onvif_devices']} of {n} cameras found: {fig['addresses']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=14)
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--json-out")
    args = parser.parse_args()
    prepare_process()
    report = Report()
    run(args.cameras, args.port, report)
    report.emit(args.json_out)


if __name__ == "__main__":
    main()
