"""`camaudit scan --observe`: in network namespaces a lab camera phones home to a fake cloud while the scan reads
it and captures on the gateway, and the finding with the traffic's evidence is in the scan document; a capture
that cannot start is a scan error (incomplete), never a silent all-clear, and the read goes on."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from scanner import exitcodes
from tests.netns import NetnsLab, netns_unavailable_reason
from tests.probes.egress.netns_traffic import CAMERA_LAN, CAPTURE_IFACE, cloud_lan, phone_home
from tests.scanner.test_rtsp_scan import scan_lab
from tests.support.replay_netns import PORT, serve_replay

pytestmark = pytest.mark.slow


async def test_a_capture_that_cannot_start_makes_the_scan_incomplete(tmp_path: Path, monkeypatch) -> None:
    doc, _, code = await scan_lab(tmp_path, monkeypatch, "--observe", "1s", "--observe-iface", "camaudit-none0")
    assert any("traffic observation failed" in e and "camaudit-none0" in e for e in doc["meta"]["errors"])
    assert code in (exitcodes.INCOMPLETE, exitcodes.FINDINGS_INCOMPLETE)
    assert all("egress.observed" not in d["facts"] for d in doc["devices"])
    assert len(doc["devices"]) == 3  # the read went on


def test_observe_without_an_interface_is_refused_before_scanning(tmp_path: Path, capsys) -> None:
    from scanner.cli import main

    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({"name": "s", "timezone": "UTC", "scope": {"targets": ["192.0.2.0/28"]}}))
    assert main(["scan", "--site", str(site), "--observe", "10m"]) == exitcodes.USAGE
    assert "--observe needs an interface" in capsys.readouterr().err



def test_scan_observes_a_camera_phoning_home_and_the_finding_has_the_evidence(tmp_path: Path) -> None:
    """The camera (a lab replay of a demo camera, plus its P2P traffic from the same namespace) is declared
    `cloud: none`; `scan --observe` on the gateway reads it and sees the traffic: GDPR-TRANSFER-2 fails with it."""
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab("os") as lab:
        lan = cloud_lan(lab)
        cam = lan.host(lab, "cam")
        serve_replay(lab, cam, cam.address)
        phone_home(lab, cam, lan.cloud, "p2p.reolink.com", 120)
        site = tmp_path / "site.yaml"
        site.write_text(yaml.safe_dump({
            "name": "observe-lab", "timezone": "Europe/Prague", "jurisdiction": "CZ",
            "scope": {"targets": [CAMERA_LAN], "hosts": [f"{cam.address}:{PORT}"], "ports": [PORT]},
            "credentials": {"username": "auditor", "password_env": "OBSERVE_LAB_PW"},
            "profiles": ["gdpr-baseline"],
            "cameras": [{"name": "door", "match": {"ip": cam.address}, "class": 2, "area": "entrance",
                         "purposes": ["property_protection"], "retention_hours": 72,
                         "legal_basis": "legitimate_interest", "cloud": "none"}],
        }, sort_keys=False))
        out = tmp_path / "scan.json"
        result = lab.run(lan.gateway, [sys.executable, "-m", "scanner", "scan", "--site", str(site), "--observe", "4s",
                                       "--observe-iface", CAPTURE_IFACE, "--json", str(out), "-q"], timeout=180,
                         env={**os.environ, "OBSERVE_LAB_PW": "demo-pass", "CAMAUDIT_STATE_DIR": str(tmp_path / "st")})
        assert out.is_file(), result.stderr
    doc = json.loads(out.read_text())
    assert not [e for e in doc["meta"]["errors"] if "observation" in e], doc["meta"]["errors"]
    [device] = [d for d in doc["devices"] if d["address"] == cam.address]
    observed = device["facts"]["egress.observed"]
    assert observed["status"] == "ok" and observed["source"] == f"egress:live:{CAPTURE_IFACE}"
    flows = {(f["address"], f["port"], f["protocol"]): f for f in observed["value"]["flows"]}
    assert {(lan.cloud.address, 32100, "udp"), (lan.cloud.address, 443, "tcp")} <= set(flows)
    assert flows[(lan.cloud.address, 443, "tcp")]["service"] == "reolink"
    found = {f["rule_id"]: f for f in doc["findings"] if f["device_name"] == "door"}
    transfer = found["GDPR-TRANSFER-2"]
    assert transfer["result"] == "fail"
    assert transfer["message"].startswith("declared `cloud: none`, but sent ")
    assert f"{lan.cloud.address}:32100/udp" in transfer["message"] or f"{lan.cloud.address}:443/tcp" in \
        transfer["message"]
    assert result.returncode in (exitcodes.FINDINGS, exitcodes.FINDINGS_INCOMPLETE), result.stderr
