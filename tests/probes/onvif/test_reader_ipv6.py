"""Reads over IPv6 (issue 20): a captured camera replayed on an IPv6 address in one network namespace,
read from another over a global (documentation-range) and a link-local address; scope rules for IPv6.

The namespaces are throw-away (tests/netns.py); the camera is a corpus archive served by
`camaudit lab replay`, the read is `python -m probes.onvif` as a scan would do it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from probes.scope import Scope, ScopeError
from tests.netns import Host, NetnsLab, netns_unavailable_reason

ARCHIVE = Path(__file__).resolve().parents[2] / "corpus" / "bank-vault" / "capture.json"
EXPECTED = json.loads((ARCHIVE.parent / "facts.json").read_text())
CAM6, SCAN6 = "2001:db8:20::10", "2001:db8:20::20"
PORT = 8000


@pytest.fixture
def lan() -> Iterator[tuple[NetnsLab, Host, Host]]:
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab("v6") as lab:
        segment = lab.segment("192.0.2.0/24")
        cam, scanner = lab.host("cam", segment), lab.host("scan", segment)
        for host, address in ((cam, CAM6), (scanner, SCAN6)):
            for conf in ("all", "default", "eth0"):
                lab.exec_check(host.ns, ["sysctl", "-qw", f"net.ipv6.conf.{conf}.disable_ipv6=0"])
            lab.exec_check(host.ns, ["ip", "-6", "addr", "add", f"{address}/64", "dev", "eth0", "nodad"])
        _wait_for_link_local(lab, cam)
        _wait_for_link_local(lab, scanner)
        yield lab, cam, scanner


def _link_local(lab: NetnsLab, host: Host) -> str | None:
    out = lab.run(host, ["ip", "-j", "-6", "addr", "show", "dev", "eth0"]).stdout
    for entry in json.loads(out or "[]"):
        for addr in entry.get("addr_info", []):
            if addr.get("scope") == "link" and not addr.get("tentative"):
                return str(addr["local"])
    return None


def _wait_for_link_local(lab: NetnsLab, host: Host) -> None:
    for _ in range(100):  # duplicate address detection: a second or two
        if _link_local(lab, host):
            return
        time.sleep(0.1)
    pytest.fail(f"{host.name}: no usable IPv6 link-local address")


def _serve(lab: NetnsLab, cam: Host, bind: str) -> subprocess.Popen[bytes]:
    proc = lab.python(cam, ["-m", "scanner", "lab", "replay", str(ARCHIVE), "--bind", bind, "--port", str(PORT)],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "300"})
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    assert "serving the captured device at" in line, line + (proc.stderr.read().decode() if proc.stderr else "")
    return proc


def _read(lab: NetnsLab, scanner: Host, target: str) -> dict[str, object]:
    result = lab.run(scanner, [sys.executable, "-m", "probes.onvif", target, "--user", "auditor",
                               "--password-env", "CAM_PASSWORD", "--deadline", "30"],
                     env={**os.environ, "CAM_PASSWORD": "demo-pass"})
    assert result.returncode == 0, result.stderr
    sheet: dict[str, object] = json.loads(result.stdout)
    return sheet


def test_read_over_a_global_ipv6_address(lan: tuple[NetnsLab, Host, Host]) -> None:
    lab, cam, scanner = lan
    _serve(lab, cam, CAM6)
    sheet = _read(lab, scanner, f"[{CAM6}]:{PORT}")
    facts = sheet["facts"]
    assert isinstance(facts, dict)
    assert facts["identity.model"]["value"] == EXPECTED["identity.model"]["value"]
    assert facts["users"]["value"] == EXPECTED["users"]["value"]
    assert sheet["address"] == CAM6 and f"[{CAM6}]:{PORT}" in str(sheet["xaddr"])
    assert sheet["read"]["status"] == "read_fully"  # type: ignore[index]


def test_scope_rules_apply_to_ipv6() -> None:
    scope = Scope.parse(["2001:db8:20::/64"])
    assert scope.contains(CAM6) and not scope.contains("2001:db8:21::10") and not scope.contains("192.0.2.10")
    with pytest.raises(ScopeError):
        Scope.parse(["2a00:1450::/32"])  # globally routable: refused without allow_public
    assert Scope.parse(["fe80::/64"]).contains("fe80::1")
    # a /64 is in scope for discovery and named hosts, never swept; `unswept` says so
    assert scope.unswept == scope.networks and list(scope.hosts()) == []
    assert list(Scope.parse(["2001:db8:20::/126"]).hosts()) != []


def test_read_over_an_ipv6_link_local_address(lan: tuple[NetnsLab, Host, Host]) -> None:
    lab, cam, scanner = lan
    cam_ll = _link_local(lab, cam)
    assert cam_ll
    _serve(lab, cam, f"{cam_ll}%eth0")
    sheet = _read(lab, scanner, f"[{cam_ll}%eth0]:{PORT}")  # the zone is the scanner's own interface
    facts = sheet["facts"]
    assert isinstance(facts, dict)
    assert facts["identity.model"]["value"] == EXPECTED["identity.model"]["value"]
    assert sheet["read"]["status"] == "read_fully"  # type: ignore[index]
