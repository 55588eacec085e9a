"""The RTSP read step of `camaudit scan`, end to end over real sockets: an anonymous stream fails GDPR-SEC-1 and
CZ-SEC-3 with the RTSP evidence, a hidden microphone fails the audio rules although no profile has an audio
encoder, and the probe sends nothing but OPTIONS and DESCRIBE (Digest only, with the credentials ONVIF proved)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import pytest
import yaml

from lab import parse_fleet, run_fleet
from scanner.cli import build_parser
from scanner.commands import scan
from tests.support.waiting import until

pytestmark = pytest.mark.slow

UUID = "urn:uuid:00000000-0000-4000-8000-0000000001{:02d}"

_FLEET_HEAD = """
version: 1
defaults:
  auth: {schemes: [ws-usernametoken, http-digest], users: {auditor: {password: lab-pass, level: Administrator}}}
cameras:
"""  # one auditor account on every camera

FLEET = _FLEET_HEAD + f"""
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


STUCK_FLEET = _FLEET_HEAD + f"""
  - {{name: tidy, address: 127.0.10.71, identity: {{endpoint_uuid: "{UUID.format(71)}"}},
     rtsp: {{enabled: true, auth: digest}}}}
  - {{name: stuck, address: 127.0.10.72, identity: {{endpoint_uuid: "{UUID.format(72)}"}},
     misbehaviour: [{{mode: no_reply, operations: ["tds:GetNTP"]}}]}}
"""


async def test_a_camera_s_streams_are_probed_while_another_is_still_read(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The RTSP step starts as each read ends: one camera that never answers a request (here for a minute)
    does not hold back the other's RTSP probe until the last sheet."""
    from scanner.pipeline import ScanOptions, run_scan
    from scanner.site import load_site

    monkeypatch.setenv("LAB_RTSP_PW", "lab-pass")
    async with run_fleet(parse_fleet(STUCK_FLEET), port_override=0) as running:
        site = {
            "name": "rtsp-stuck", "timezone": "Europe/Prague", "jurisdiction": "CZ",
            "scope": {"targets": ["127.0.10.64/28"], "ports": [80],
                      "hosts": [f"{c.address}:{c.port}" for c in running.cameras]},
            "credentials": {"username": "auditor", "password_env": "LAB_RTSP_PW"},
            "scan": {"request_timeout_s": 60, "device_deadline_s": 120},
            "profiles": ["gdpr-baseline"],
        }
        path = tmp_path / "site.yaml"
        path.write_text(yaml.safe_dump(site, sort_keys=False))
        scanning = asyncio.create_task(run_scan(load_site(path), ScanOptions(workers=1)))
        described = running.camera("tidy").rtsp.requests
        try:
            # up to 20 s: without per-sheet probes the first DESCRIBE would come after the other's 60
            await until(lambda: any(r.method == "DESCRIBE" for r in described) or scanning.done(),
                        "a DESCRIBE or the end of the scan", timeout=20, every=0.01)
            assert any(r.method == "DESCRIBE" for r in described), "no RTSP probe while the other camera is read"
            assert not scanning.done()
            assert "tds:GetNTP" in running.camera("stuck").received  # held, unanswered: its read goes on
        finally:
            scanning.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await scanning
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("rtsp[")]
