"""Recording off the camera, end to end: a lab NVR recording two lab cameras, a declared VMS, and a camera no
recorder keeps (real ONVIF over sockets, through `camaudit scan`).

The NVR's recordings name their cameras by endpoint uuid (SourceId) and by device address (Address); the
retention rules of those cameras are judged on the NVR's own MaximumRetentionTime, the VMS camera on its declared
retention, and the camera with neither is unknown, never "not applicable".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lab import parse_fleet, run_fleet
from scanner.cli import build_parser
from scanner.commands import scan

pytestmark = pytest.mark.slow

UUID = "urn:uuid:00000000-0000-4000-8000-0000000000{:02d}"

FLEET = f"""
version: 1
defaults:
  auth: {{schemes: [ws-usernametoken], users: {{auditor: {{password: lab-pass, level: Administrator}}}}}}
cameras:
  - name: nvr
    address: 127.0.10.90
    identity: {{endpoint_uuid: "{UUID.format(90)}", manufacturer: LabNVR, model: NVR-16}}
    recording:
      recordings:
        - {{token: NVR_Rec_1, max_retention: P14D, source_id: "{UUID.format(91)}", source_name: lobby}}
        - {{token: NVR_Rec_2, max_retention: P14D, source_id: "channel-2",
           source_address: "http://127.0.10.92/onvif/device_service", source_name: stairs}}
        - {{token: NVR_Rec_3, max_retention: P60D, source_id: "{UUID.format(77)}"}}   # a camera not in this site
      jobs:
        - {{token: Job_1, recording: NVR_Rec_1}}
        - {{token: Job_2, recording: NVR_Rec_2}}
  - {{name: lobby, address: 127.0.10.91, identity: {{endpoint_uuid: "{UUID.format(91)}"}}}}
  - {{name: stairs, address: 127.0.10.92, identity: {{endpoint_uuid: "{UUID.format(92)}"}}}}
  - {{name: gate, address: 127.0.10.93, identity: {{endpoint_uuid: "{UUID.format(93)}"}}}}
  - {{name: shed, address: 127.0.10.94, identity: {{endpoint_uuid: "{UUID.format(94)}"}}}}
"""


def _site(running) -> dict:
    def declare(name: str) -> dict:
        return {"name": name, "match": {"uuid": UUID.format(int(running.camera(name).address.rsplit('.', 1)[1]))},
                "class": 2, "area": "entrance", "purposes": ["property_protection"], "retention_hours": 72,
                "legal_basis": "legitimate_interest"}

    return {
        "name": "recorder-lab", "timezone": "Europe/Prague", "jurisdiction": "CZ",
        "scope": {"targets": ["127.0.10.0/24"], "ports": [80],
                  "hosts": [f"{c.address}:{c.port}" for c in running.cameras]},
        "credentials": {"username": "auditor", "password_env": "LAB_REC_PW"},
        "profiles": ["gdpr-baseline", "cz-uoou-2024"],
        "cameras": [declare(n) for n in ("lobby", "stairs", "gate", "shed")],
        "recorders": [
            {"name": "main-nvr", "kind": "onvif_nvr", "match": {"ip": "127.0.10.90"}, "records": ["lobby", "stairs"]},
            {"name": "milestone", "kind": "vms", "retention_hours": 48, "records": ["gate"]},
        ],
    }


async def test_nvr_vms_and_no_recorder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAB_REC_PW", "lab-pass")
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    out = tmp_path / "scan.json"
    async with run_fleet(parse_fleet(FLEET), port_override=0) as running:
        site = tmp_path / "site.yaml"
        site.write_text(yaml.safe_dump(_site(running), sort_keys=False))
        await scan.run(build_parser().parse_args(["scan", "--site", str(site), "--json", str(out)]))
        nvr_requests = running.camera("nvr").received
    doc = json.loads(out.read_text())
    found = {(f["device_name"], f["rule_id"]): f for f in doc["findings"]}

    def finding(camera: str, rule: str) -> dict:
        return found[(camera, rule)]

    # the NVR keeps lobby (linked by SourceId = lobby's uuid) and stairs (linked by Address) for 14 days
    for cam in ("lobby", "stairs"):
        ret = finding(cam, "GDPR-RET-1")  # declared 72 h, the NVR keeps 14 days
        assert ret["result"] == "fail", ret["message"]
        assert "on recorder main-nvr (ONVIF NVR 127.0.10.90): 14 days (336 h)" in ret["message"]
        bounded = finding(cam, "CZ-RET-2")
        assert bounded["result"] == "pass", bounded["message"]
        evidence = {e["key"]: e for e in ret["evidence"]}
        assert [r["token"] for r in evidence["recorder.main-nvr"]["value"]] == (
            ["NVR_Rec_1"] if cam == "lobby" else ["NVR_Rec_2"])  # NVR_Rec_3 (60 days) is another camera's
    assert "trc:GetRecordings" in nvr_requests

    gate = finding("gate", "CZ-RET-1")  # the declared VMS keeps 48 h: within the 72 h that need no reason
    assert gate["result"] == "pass", gate["message"]
    assert "on recorder milestone (VMS, declared): 2 days (48 h)" in gate["message"]

    for rule in ("GDPR-RET-1", "CZ-RET-1", "CZ-RET-2"):
        shed = finding("shed", rule)
        assert shed["result"] == "unknown", (rule, shed["message"])
        assert "no recorder is declared" in shed["message"]

    # the NVR is a declared recorder, not an undeclared camera
    nvr_id = next(d["device_id"] for d in doc["devices"] if d["address"] == "127.0.10.90")
    inventory = next(f for f in doc["findings"] if f["rule_id"] == "GDPR-INV-1" and f["device_id"] == nvr_id)
    assert inventory["result"] == "pass" and "declared as recorder 'main-nvr'" in inventory["message"]
    # rules on camera declarations do not apply to it (no "declare it under cameras:" noise), observed ones do
    nvr_findings = {f["rule_id"]: f for f in doc["findings"] if f["device_id"] == nvr_id}
    assert nvr_findings["CZ-CLASS-2"]["result"] == "not_applicable", nvr_findings["CZ-CLASS-2"]["message"]
    assert "declared as recorder 'main-nvr'" in nvr_findings["CZ-CLASS-2"]["message"]
    assert not [f["rule_id"] for f in nvr_findings.values() if "declare it under `cameras:`" in f["message"]]
    assert nvr_findings["GDPR-SEC-1"]["result"] in ("pass", "fail")  # judged on what the NVR showed
