"""The RTSP read step of `camaudit scan`, end to end over real sockets: an anonymous stream fails GDPR-SEC-1 and
CZ-SEC-3 with the RTSP evidence, a hidden microphone fails the audio rules although no profile has an audio
encoder, and the probe sends nothing but OPTIONS and DESCRIBE (Digest only, with the credentials ONVIF proved)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lab import parse_fleet, run_fleet
from scanner.cli import build_parser
from scanner.commands import scan

pytestmark = pytest.mark.slow

UUID = "urn:uuid:00000000-0000-4000-8000-0000000001{:02d}"

FLEET = f"""
version: 1
defaults:
  auth: {{schemes: [ws-usernametoken, http-digest], users: {{auditor: {{password: lab-pass, level: Administrator}}}}}}
cameras:
  - {{name: open, address: 127.0.10.61, identity: {{endpoint_uuid: "{UUID.format(61)}"}},
     rtsp: {{enabled: true, auth: anonymous}}}}
  - {{name: mic, address: 127.0.10.62, identity: {{endpoint_uuid: "{UUID.format(62)}"}},
     rtsp: {{enabled: true, auth: digest, audio: "on"}}}}
  - {{name: tidy, address: 127.0.10.63, identity: {{endpoint_uuid: "{UUID.format(63)}"}},
     rtsp: {{enabled: true, auth: digest}}}}
"""


def _site(running) -> dict:
    def declare(name: str) -> dict:
        last = int(running.camera(name).address.rsplit(".", 1)[1])
        return {"name": name, "match": {"uuid": UUID.format(last)}, "class": 2, "area": "entrance",
                "purposes": ["property_protection"], "retention_hours": 72, "legal_basis": "legitimate_interest"}

    return {
        "name": "rtsp-lab", "timezone": "Europe/Prague", "jurisdiction": "CZ",
        "scope": {"targets": ["127.0.10.0/24"], "ports": [80],
                  "hosts": [f"{c.address}:{c.port}" for c in running.cameras]},
        "credentials": {"username": "auditor", "password_env": "LAB_RTSP_PW"},
        "profiles": ["gdpr-baseline", "cz-uoou-2024"],
        "cameras": [declare(n) for n in ("open", "mic", "tidy")],
    }


async def scan_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[dict, dict, int]:
    """`camaudit scan` of the RTSP lab fleet: (scan document, RTSP requests per camera, exit code)."""
    monkeypatch.setenv("LAB_RTSP_PW", "lab-pass")
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    out = tmp_path / "scan.json"
    async with run_fleet(parse_fleet(FLEET), port_override=0) as running:
        site = tmp_path / "site.yaml"
        site.write_text(yaml.safe_dump(_site(running), sort_keys=False))
        code = await scan.run(build_parser().parse_args(["scan", "--site", str(site), "--json", str(out), *extra]))
        received = {c.name: c.rtsp.requests for c in running.cameras}
    return json.loads(out.read_text()), received, code


async def test_scan_reads_streams_and_judges_them(tmp_path: Path, monkeypatch) -> None:
    doc, received, _ = await scan_lab(tmp_path, monkeypatch)
    found = {(f["device_name"], f["rule_id"]): f for f in doc["findings"]}

    assert found[("open", "GDPR-SEC-1")]["result"] == "fail"
    assert "live stream readable without credentials" in found[("open", "GDPR-SEC-1")]["message"]
    assert found[("open", "CZ-SEC-3")]["result"] == "fail"
    assert found[("mic", "CZ-AUDIO-1")]["result"] == "fail"
    assert "sound in the RTSP stream" in found[("mic", "CZ-AUDIO-1")]["message"]
    assert found[("mic", "GDPR-MIN-2")]["result"] == "fail"
    for rule in ("GDPR-MIN-2", "CZ-AUDIO-1"):
        assert found[("tidy", rule)]["result"] == "pass", found[("tidy", rule)]["message"]
    assert "stream" in found[("tidy", "GDPR-SEC-1")]["message"] or found[("tidy", "GDPR-SEC-1")]["result"] == "fail"

    for name, requests in received.items():
        assert requests, name
        assert {r.method for r in requests} <= {"OPTIONS", "DESCRIBE"}, name
        assert {r.authorization for r in requests} <= {None, "Digest"}, name
    assert all(r.authenticated for r in received["mic"] if r.authorization)
    devices = {d["address"]: d for d in doc["devices"]}
    assert devices["127.0.10.61"]["facts"]["rtsp.auth"]["value"]["anonymous_streams"]
