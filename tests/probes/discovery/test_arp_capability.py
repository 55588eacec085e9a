"""The ARP sweep asks for CAP_NET_RAW, not uid 0: an unprivileged service user with the capability may sweep."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from probes.discovery._arp_probe import has_net_raw
from tests.support.access import readable_by

ROOT = Path(__file__).resolve().parents[3]
CHECK = ("from probes.discovery._arp_probe import arp_unavailable; import socket; "
         "print(arp_unavailable() or 'available');"
         "socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close(); print('raw socket opened')")


def test_capability_bits_are_read_from_proc_status() -> None:
    assert has_net_raw("Name:\tx\nCapEff:\t0000000000002000\n")  # bit 13 only
    assert not has_net_raw("Name:\tx\nCapEff:\t0000000000001000\n")
    assert has_net_raw("CapEff:\t000001ffffffffff\n")  # root's full set


def _as_nobody(*caps: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *caps,
                           sys.executable, "-c", CHECK], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv (util-linux)")
def test_unprivileged_user_with_cap_net_raw_may_sweep_and_without_it_is_told_why() -> None:
    if not readable_by(ROOT / "probes" / "__init__.py"):
        pytest.skip(f"user nobody cannot read the checkout ({ROOT}: a directory above it is private)")
    with_cap = _as_nobody("--inh-caps=+net_raw", "--ambient-caps=+net_raw")
    assert with_cap.stdout.splitlines() == ["available", "raw socket opened"], with_cap.stderr
    without = _as_nobody()
    assert "CAP_NET_RAW" in without.stdout and "AmbientCapabilities=CAP_NET_RAW" in without.stdout
    assert "raw socket opened" not in without.stdout  # the kernel agrees: no raw socket without the capability
