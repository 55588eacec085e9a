"""A live capture in network namespaces: a camera sends to a fake cloud through a gateway; `camaudit observe`
sniffs the gateway's camera-side interface (created by this test, never a real one) and attributes exactly;
a PC on the same segment sends the same traffic and must leave no trace (topology: netns_traffic.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from tests.netns import NetnsLab, netns_unavailable_reason
from tests.probes.egress.netns_traffic import CAMERA_LAN, CAPTURE_IFACE, cloud_lan, phone_home

pytestmark = pytest.mark.slow


@pytest.fixture
def lab() -> NetnsLab:
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab("eg") as lab:
        yield lab


def test_live_capture_attributes_a_camera_and_ignores_the_pc(lab: NetnsLab, tmp_path: Path) -> None:
    lan = cloud_lan(lab)
    gateway, cloud = lan.gateway, lan.cloud
    cam, pc = lan.host(lab, "cam"), lan.host(lab, "pc")
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({
        "name": "egress-lab", "timezone": "Europe/Prague", "jurisdiction": "CZ",
        "scope": {"targets": [CAMERA_LAN]},
        "profiles": ["gdpr-baseline"],
        "cameras": [{"name": "door", "match": {"ip": cam.address, "mac": cam.mac()}, "class": 2,
                     "area": "entrance", "purposes": ["property_protection"], "retention_hours": 72,
                     "legal_basis": "legitimate_interest"}],
    }, sort_keys=False))
    phone_home(lab, cam, cloud, "p2p.reolink.com", 30)
    phone_home(lab, pc, cloud, "mail.example.org", 30)
    out = tmp_path / "egress.json"
    result = lab.run(gateway, [sys.executable, "-m", "scanner", "observe", "--site", str(site),
                               "--iface", CAPTURE_IFACE, "--duration", "4s", "--json", str(out), "-q"], timeout=60)
    assert result.returncode == 3, result.stderr  # traffic observed leaving the site
    document = json.loads(out.read_text())
    [observation] = document["cameras"].values()
    flows = {(f["address"], f["port"], f["protocol"]): f for f in observation["flows"]}
    assert set(flows) == {(cloud.address, 32100, "udp"), (cloud.address, 443, "tcp")}
    assert flows[(cloud.address, 32100, "udp")]["service"] == "cs2-p2p"
    assert flows[(cloud.address, 443, "tcp")]["names"] == ["p2p.reolink.com"]
    assert flows[(cloud.address, 443, "tcp")]["service"] == "reolink"
    assert observation["window"]["source"] == f"live:{CAPTURE_IFACE}"
    text = out.read_text()
    assert pc.address not in text and "mail.example.org" not in text  # the PC left no trace
