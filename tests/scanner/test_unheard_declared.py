"""No false all-clear when discovery does not hear declared cameras (issue 23): a scan of a lab fleet whose
cameras are declared by uuid only, as the benchmark's 1,000-camera site is, where some cameras stay silent
to WS-Discovery. Those must be listed as declared and missing, and the exit code must not be clean. The
control (every camera heard) shows that it is the silence that makes the difference.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
from pathlib import Path

import pytest
import yaml

from lab import generate_fleet, run_fleet
from lab.model import DiscoveryMode
from scanner import exitcodes
from scanner.cli import build_parser
from scanner.commands import scan

pytestmark = pytest.mark.slow

PASSWORD_ENV = "CAMAUDIT_TEST_FLEET_PASSWORD"


def _network() -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(f"127.{100 + os.getpid() % 50}.{random.randint(0, 255)}.0/29")


def _site(path: Path, network: ipaddress.IPv4Network, uuids: list[str]) -> Path:
    site = {
        "name": "unheard", "timezone": "Europe/Prague", "jurisdiction": "CZ", "sector": "office",
        "scope": {"targets": [str(network)], "ports": [80]},  # nothing listens on :80: WS-Discovery finds them
        "profiles": ["gdpr-baseline"],
        "credentials": {"username": "auditor", "password_env": PASSWORD_ENV},
        "cameras": [{"name": f"cam-{i}", "match": {"uuid": uuid}, "class": 2, "area": "entrance",
                     "purposes": ["property_protection"], "retention_hours": 72, "signage": True}
                    for i, uuid in enumerate(uuids)],
    }
    path.write_text(yaml.safe_dump(site, sort_keys=False), encoding="utf-8")
    return path


async def _scan_fleet(tmp_path: Path, capsys: pytest.CaptureFixture[str], silent: set[int]) -> tuple[int, dict]:
    network = _network()
    fleet = generate_fleet(4, network=str(network), password="fleet-pass")
    cameras = [c.model_copy(update={"network": c.network.model_copy(
        update={"discovery_mode": DiscoveryMode.NON_DISCOVERABLE})}) if i in silent else c
        for i, c in enumerate(fleet.cameras)]
    fleet = fleet.model_copy(update={"cameras": cameras})
    site = _site(tmp_path / "site.yaml", network, [c.identity.endpoint_uuid for c in fleet.cameras])
    out = tmp_path / "scan.json"
    async with run_fleet(fleet, port_override=0, discovery=True):
        code = await scan.run(build_parser().parse_args(["scan", "--no-history", "--site", str(site),
                                                         "--json", str(out)]))
    capsys.readouterr()
    return code, json.loads(out.read_text(encoding="utf-8"))


async def test_every_camera_heard_leaves_no_declared_camera_missing(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "fleet-pass")
    code, doc = await _scan_fleet(tmp_path, capsys, silent=set())
    assert doc["coverage"]["declared_missing"] == []
    assert len(doc["devices"]) == 4
    assert not [line for line in doc["coverage"]["incomplete"] if "declared camera" in line]
    assert code in (exitcodes.OK, exitcodes.FINDINGS), doc["coverage"]["incomplete"]


async def test_declared_cameras_not_heard_are_missing_and_not_clean(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "fleet-pass")
    code, doc = await _scan_fleet(tmp_path, capsys, silent={1, 3})
    assert doc["coverage"]["declared_missing"] == ["cam-1", "cam-3"]
    assert len(doc["devices"]) == 2
    assert "2 declared cameras not found: cam-1, cam-3" in doc["coverage"]["incomplete"]
    missing = {u["name"] for u in doc["coverage"]["uncovered"] if u["declared"]}
    assert missing == {"cam-1", "cam-3"}
    assert code in (exitcodes.INCOMPLETE, exitcodes.FINDINGS_INCOMPLETE)
