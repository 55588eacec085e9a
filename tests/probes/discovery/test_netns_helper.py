"""The namespace lab helper: refuses unsafe ranges and leaves nothing behind, even after a failure."""

from __future__ import annotations

import errno
import ipaddress
import subprocess
import sys

import pytest

from tests.netns import NetnsLab, netns_unavailable_reason, remove_stale_namespaces

pytestmark = pytest.mark.netns


def namespaces() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


@pytest.fixture(autouse=True)
def _need_netns() -> None:
    if reason := netns_unavailable_reason():
        pytest.skip(reason)


def test_everything_is_removed_after_a_failure() -> None:
    with pytest.raises(RuntimeError, match="boom"), NetnsLab("t") as lab:
        seg = lab.segment("203.0.113.0/28")
        a, b = lab.host("a", seg), lab.host("b", seg)
        probe = (f"import socket; s = socket.socket(); s.settimeout(3); "
                 f"print(s.connect_ex(({b.address!r}, 9)))")
        reply = lab.run(a, [sys.executable, "-c", probe])
        assert reply.stdout.strip() == str(errno.ECONNREFUSED), reply  # b is there and says no: a real LAN
        created = set(lab.namespaces)
        assert created <= namespaces()
        raise RuntimeError("boom")
    assert not created & namespaces()


def test_only_documentation_ranges_that_this_machine_does_not_use() -> None:
    with NetnsLab("r") as lab:
        with pytest.raises(ValueError, match="RFC 5737"):
            lab.segment("10.0.0.0/24")
        lab._host_nets.append(ipaddress.ip_network("198.51.100.0/24"))
        with pytest.raises(ValueError, match="overlaps"):
            lab.segment("198.51.100.128/25")


def test_namespaces_of_a_killed_run_are_removed() -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    stale = f"ca{dead}-leftover"
    subprocess.run(["ip", "netns", "add", stale], check=True)
    try:
        assert stale in remove_stale_namespaces()
        assert stale not in namespaces()
    finally:
        subprocess.run(["ip", "netns", "del", stale], capture_output=True, check=False)
