"""Scan documents of a small lab fleet, built directly (until the whole pipeline runs against the lab).

Findings are not written by hand: `evaluate` derives them from the facts with three
small test rules, so a change of facts moves the findings the way the real
evaluator would. Import it as `from tests.scanner import labscans`.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from probes import factvalues as fv
from probes.facts import DeviceFacts, Fact, FactStatus
from profiles.findings import Finding, Reference, Result, Severity, finding_uid
from reports.model import ScanMeta, ScanResult

SITE = "lab-campus"
T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)

CAMERAS: dict[str, dict[str, Any]] = {
    "school-corridor": {"uuid": "5f0c1a2e-0b11-4c3a-9e11-accc8e1a2b11", "address": "127.0.10.11",
                        "model": "P3245-LVE", "firmware": "10.12.114", "audio": [], "retention_h": 168,
                        "users": [("admin", "Administrator")]},
    "hotel-lobby": {"uuid": "9a4d2c61-7e12-4b0f-8a12-0040f1a2b312", "address": "127.0.10.12",
                    "model": "FLEXIDOME IP 5000i", "firmware": "7.80.0128", "audio": [], "retention_h": 72,
                    "users": [("admin", "Administrator")]},
    "car-park": {"uuid": "0c2e9b77-1d13-4e6a-b713-001a2b3c4d13", "address": "127.0.10.13",
                 "model": "DS-2CD2143G2", "firmware": "V5.7.3", "audio": ["Profile_1"], "retention_h": 720,
                 "users": [("admin", "Administrator"), ("viewer", "User")]},
    "reception": {"uuid": "7b1f3d44-2a14-4c9b-8c14-00408c1a2b14", "address": "127.0.10.14",
                  "model": "M3106-L", "firmware": "9.80.3", "audio": [], "retention_h": 48,
                  "users": [("admin", "Administrator")]},
}


def device(name: str, spec: dict[str, Any], *, skew: float = 0.1) -> DeviceFacts:
    ok = Fact.observed
    facts = {
        "identity.manufacturer": ok("LabCam", "tds:GetDeviceInformation"),
        "identity.model": ok(spec["model"], "tds:GetDeviceInformation"),
        "identity.firmware": ok(spec["firmware"], "tds:GetDeviceInformation"),
        "identity.serial": ok(spec["uuid"][-12:].upper(), "tds:GetDeviceInformation"),
        "media.audio_in_profiles": ok(list(spec["audio"]), "tr2:GetProfiles"),
        "recording.recordings": ok([{"token": "Recording_1", "source": "Profile_1",
                                     "max_retention_seconds": spec["retention_h"] * 3600, "content": "",
                                     "tracks": ["video"]}], "trc:GetRecordings"),
        "clock.skew_seconds": ok(skew, "tds:GetSystemDateAndTime"),
    }
    if spec.get("users_denied"):
        facts["users"] = Fact.failed(FactStatus.DENIED, "tds:GetUsers", "NotAuthorized")
    else:
        facts["users"] = ok([{"username": u, "level": lvl} for u, lvl in spec["users"]], "tds:GetUsers")
    if spec.get("uplinks"):
        facts["cloud.uplinks"] = ok([{"remote_address": a, "status": "Connected", "user_level": "Operator"}
                                     for a in spec["uplinks"]], "tup:GetUplinks")
    return DeviceFacts(device_id=f"uuid:{spec['uuid']}", address=spec["address"], port=80,
                       endpoint_uuid=spec["uuid"], signals=["ws-discovery"], facts=facts)


_REF = Reference(source="CZ", article="test")


def evaluate(site: str, dev: DeviceFacts, name: str, at: datetime, *, retention_limit_h: int = 72,
             retention_severity: Severity = Severity.MEDIUM) -> list[Finding]:
    """Three test rules over the facts: no audio, retention within the limit, only known accounts."""

    def finding(rule: str, result: Result, severity: Severity, message: str) -> Finding:
        return Finding(uid=finding_uid(site, dev.device_id, rule), rule_id=rule, check=rule.lower(),
                       profile="test", device_id=dev.device_id, device_name=name, result=result,
                       severity=severity, title=rule, message=message, reference=_REF, evaluated_at=at)

    audio = dev.get("media.audio_in_profiles")
    out = [finding("T-AUDIO-1", Result.FAIL if audio.value else Result.PASS, Severity.HIGH,
                   f"audio in {audio.value}" if audio.value else "no audio")]
    seconds = max(r.max_retention_seconds for r in dev.value(fv.recording.RECORDINGS) or [])
    out.append(finding("T-RET-1", Result.FAIL if seconds > retention_limit_h * 3600 else Result.PASS,
                       retention_severity, f"retention {seconds // 3600} h (limit {retention_limit_h} h)"))
    users = dev.get("users")
    if not users.ok:
        out.append(finding("T-USERS-1", Result.UNKNOWN, Severity.LOW, f"users not readable: {users.reason}"))
    else:
        extra = [u.username for u in dev.value(fv.users.USERS) or [] if u.username not in ("admin",)]
        out.append(finding("T-USERS-1", Result.FAIL if extra else Result.PASS, Severity.LOW,
                           f"unexpected accounts {extra}" if extra else "only admin"))
    return out


def scan(cameras: dict[str, dict[str, Any]], *, scan_id: str, started: datetime, site: str = SITE,
         skew: float = 0.1, **rule_params: Any) -> ScanResult:
    devices, findings, names = [], [], {}
    for name, spec in cameras.items():
        dev = device(name, spec, skew=skew)
        devices.append(dev)
        names[dev.device_id] = name
        findings.extend(evaluate(site, dev, name, started, **rule_params))
    meta = ScanMeta(scan_id=scan_id, site=site, started_at=started, finished_at=started + timedelta(seconds=42),
                    evaluated_at=started, scope=["127.0.10.0/24"], profiles=["test"], scanner_version="test")
    return ScanResult(meta=meta, devices=devices, declared_names=names, findings=findings)


def fleet_after_changes() -> dict[str, dict[str, Any]]:
    """The lab fleet six hours later.

    school-corridor: audio turned on, retention lowered 7 d -> 72 h; hotel-lobby: retention raised
    72 h -> 30 d; reception: firmware updated and the account list now refused; car-park removed;
    a new camera `gate` added.
    """
    cams = copy.deepcopy(CAMERAS)
    cams["school-corridor"]["audio"] = ["Profile_1"]
    cams["school-corridor"]["retention_h"] = 72
    cams["hotel-lobby"]["retention_h"] = 720
    cams["reception"]["firmware"] = "9.80.4"
    cams["reception"]["users_denied"] = True
    del cams["car-park"]
    cams["gate"] = {"uuid": "3e5a7c99-4b15-4d0e-9d15-00408c1a2b15", "address": "127.0.10.15",
                    "model": "Q1615", "firmware": "10.1.0", "audio": [], "retention_h": 24,
                    "users": [("admin", "Administrator")]}
    return cams


def two_scans() -> tuple[ScanResult, ScanResult]:
    first = scan(CAMERAS, scan_id="scan-a", started=T0)
    second = scan(fleet_after_changes(), scan_id="scan-b", started=T0 + timedelta(hours=6), skew=0.7)
    return first, second
