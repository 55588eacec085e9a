"""OCSF 1.8.0 Compliance Finding events (class 2003), one per finding, for SIEMs.

Mapping (see docs/reports.md):
- `compliance`: standards = [profile id], requirements = [rule id], control = legal
  reference ("CZ §2.9"), status_id from our Result (pass 1 Pass, fail/waived 3 Fail,
  manual 2 Warning, unknown 0 Unknown, not_applicable/error 99 Other).
- event `status_id`: waived 3 Suppressed, resolved 4 Resolved, otherwise 1 New.
- `activity_id`: resolved 3 Close, changed/persisting 2 Update, new/first scan 1 Create.
- `finding_info.uid` is the finding's stable uid (hash of site, device, rule), so a
  SIEM can follow one problem across scans; `metadata.uid` is unique per event.
- `device`: type_id 7 (IOT); site-level findings carry no device.
Our own fields (rule, check, result, waiver, facts) go to `unmapped.camaudit`.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from probes import factvalues as fv
from profiles.findings import Change, Finding, Result, Severity
from reports._index import cached, device_index, device_name
from reports._jsonio import json_line
from reports.coverage import coverage_of
from reports.model import ScanResult

OCSF_VERSION = "1.8.0"
CLASS_UID = 2003
CATEGORY_UID = 2
PRODUCT_NAME = "camaudit"
DEVICE_TYPE_IOT = 7

SEVERITY_ID = {Severity.INFO: 1, Severity.LOW: 2, Severity.MEDIUM: 3, Severity.HIGH: 4, Severity.CRITICAL: 5}
SEVERITY_NAME = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}

# compliance.status_id: 0 Unknown, 1 Pass, 2 Warning, 3 Fail, 99 Other
COMPLIANCE_STATUS: dict[Result, tuple[int, str]] = {
    Result.PASS: (1, "Pass"),
    Result.FAIL: (3, "Fail"),
    Result.WAIVED: (3, "Fail"),  # it does fail; the event status says it is suppressed
    Result.MANUAL: (2, "Warning"),  # needs a human attestation
    Result.UNKNOWN: (0, "Unknown"),
    Result.NOT_APPLICABLE: (99, "Not Applicable"),
    Result.ERROR: (99, "Error"),
}
ACTIVITY = {1: "Create", 2: "Update", 3: "Close"}
_MAC = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$")


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _activity(finding: Finding) -> int:
    if finding.change is Change.RESOLVED:
        return 3
    if finding.change in (Change.CHANGED, Change.PERSISTING):
        return 2
    return 1


def _status(finding: Finding) -> tuple[int, str]:
    if finding.change is Change.RESOLVED:
        return 4, "Resolved"
    if finding.result is Result.WAIVED:
        return 3, "Suppressed"
    return 1, "New"


def _device(finding: Finding, result: ScanResult) -> dict[str, Any] | None:
    """The OCSF device object of the finding's camera (None for site-level findings), cached."""
    built: dict[str, dict[str, Any] | None] = cached(result, "ocsf.devices", dict)
    if finding.device_id not in built:
        built[finding.device_id] = _build_device(finding, result)
    device = built[finding.device_id]
    if device is None:
        return None
    return {k: dict(v) if isinstance(v, dict) else v for k, v in device.items()}  # events stay independent


def _build_device(finding: Finding, result: ScanResult) -> dict[str, Any] | None:
    dev = device_index(result).get(finding.device_id)
    if dev is None:
        if finding.device_id == "site":
            return None
        return {
            "type_id": DEVICE_TYPE_IOT,
            "type": "IOT",
            "uid": finding.device_id,
            "name": finding.device_name,
        }
    out: dict[str, Any] = {
        "type_id": DEVICE_TYPE_IOT,
        "type": "IOT",
        "uid": dev.device_id,
        "name": device_name(result, dev.device_id, finding.device_name),
    }
    with contextlib.suppress(ValueError):
        out["ip"] = str(ipaddress.ip_address(dev.address))
    if dev.mac and _MAC.match(dev.mac):
        out["mac"] = dev.mac
    if vendor := dev.value(fv.identity.MANUFACTURER):
        out["vendor_name"] = vendor
    if model := dev.value(fv.identity.MODEL):
        out["model"] = model
    if hostname := dev.value(fv.identity.HOSTNAME):
        out["hostname"] = hostname[:255]
    if mac_vendor := dev.value(fv.identity.MAC_VENDOR):
        out["mac_vendor"] = mac_vendor
    hw: dict[str, Any] = {}
    if serial := dev.value(fv.identity.SERIAL):
        hw["serial_number"] = serial
    if vendor:
        hw["vendor_name"] = vendor
    if hw:
        out["hw_info"] = hw
    if firmware := dev.value(fv.identity.FIRMWARE):
        # A camera's firmware is its operating system; OCSF has no firmware field on device.
        out["os"] = {
            "name": f"{vendor or 'camera'} firmware",
            "type_id": 99,
            "type": "Embedded firmware",
            "version": firmware,
        }
    if segment := dev.value(fv.network.SEGMENT):
        out["subnet_uid"] = segment
    declared = result.declared.get(dev.device_id)
    if declared and declared.area:
        out["zone"] = str(declared.area)
    return out


def _event_uid(finding: Finding, result: ScanResult) -> str:
    return hashlib.sha256(f"{result.meta.scan_id}\x1f{finding.uid}".encode()).hexdigest()[:32]


def finding_to_ocsf(finding: Finding, result: ScanResult) -> dict[str, Any]:
    """One OCSF 1.8.0 Compliance Finding event for `finding`, in the context of its scan."""
    activity_id = _activity(finding)
    status_id, status = _status(finding)
    comp_status_id, comp_status = COMPLIANCE_STATUS[finding.result]
    severity_id = SEVERITY_ID[finding.severity]
    ref = finding.reference
    control = f"{ref.source} {ref.article}"
    status_detail = finding.message
    if finding.waiver:
        status_detail += (
            f" (waived until {finding.waiver.expires.isoformat()} by {finding.waiver.approver}: "
            f"{finding.waiver.justification})"
        )
    compliance: dict[str, Any] = {
        "standards": [finding.profile],
        "requirements": [finding.rule_id],
        "control": control,
        "desc": finding.title,
        "status_id": comp_status_id,
        "status": comp_status,
        "status_code": str(finding.result),
        "status_detail": status_detail,
        "checks": [
            {
                "uid": finding.check,
                "name": finding.check,
                "status_id": comp_status_id,
                "status": comp_status,
                "severity_id": severity_id,
                "severity": SEVERITY_NAME[severity_id],
                "standards": [finding.profile],
            }
        ],
        "compliance_references": [{"uid": control, "title": ref.title or control}],
    }
    event: dict[str, Any] = {
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "activity_id": activity_id,
        "activity_name": ACTIVITY[activity_id],
        "type_uid": CLASS_UID * 100 + activity_id,
        "type_name": f"Compliance Finding: {ACTIVITY[activity_id]}",
        "time": _ms(finding.evaluated_at),
        "severity_id": severity_id,
        "severity": SEVERITY_NAME[severity_id],
        "status_id": status_id,
        "status": status,
        "message": f"{finding.rule_id} {finding.result}: {finding.message}",
        "finding_info": {
            "uid": finding.uid,
            "title": finding.title,
            "desc": finding.message,
            "types": ["Compliance", finding.profile],
            "last_seen_time": _ms(finding.evaluated_at),
        },
        "compliance": compliance,
        "metadata": {
            "product": {
                "name": PRODUCT_NAME,
                "vendor_name": PRODUCT_NAME,
                "version": result.meta.scanner_version,
            },
            "version": OCSF_VERSION,
            "uid": _event_uid(finding, result),
            "correlation_uid": result.meta.scan_id,
            "log_name": f"camaudit:{result.meta.site}",
            "profiles": [],
            "labels": [f"site:{result.meta.site}"],
        },
        "unmapped": {
            "camaudit": {
                "rule_id": finding.rule_id,
                "check": finding.check,
                "profile": finding.profile,
                "result": str(finding.result),
                "change": str(finding.change) if finding.change else None,
                "site": result.meta.site,
                "scan_id": result.meta.scan_id,
                "device_id": finding.device_id,
                "reference": ref.model_dump(mode="json"),
                "waiver": finding.waiver.model_dump(mode="json") if finding.waiver else None,
                "device_read_status": _read_status(finding, result),
                "scan_incomplete": _incomplete(result),  # [] when the scan covered its scope
            }
        },
    }
    if result.meta.scanner_id:
        event["metadata"]["product"]["uid"] = result.meta.scanner_id
    if finding.remediation:
        event["remediation"] = {"desc": finding.remediation, "references": [control]}
    if device := _device(finding, result):
        event["device"] = device
    if finding.evidence:
        event["evidences"] = [{"name": ev.key, "data": ev.model_dump(mode="json")} for ev in finding.evidence]
    return event


def _read_status(finding: Finding, result: ScanResult) -> str | None:
    dev = device_index(result).get(finding.device_id)
    if dev is None:
        return None if finding.device_id == "site" else "not_found"
    return str(dev.read.status) if dev.read else None


def _incomplete(result: ScanResult) -> list[str]:
    return list(cached(result, "ocsf.incomplete", lambda: coverage_of(result).incomplete))


def iter_events(result: ScanResult) -> Iterator[dict[str, Any]]:
    """Events for every finding of the scan, in order."""
    for finding in result.findings:
        yield finding_to_ocsf(finding, result)


def write_ocsf(result: ScanResult, path: Path) -> None:
    """JSON Lines of OCSF events, one per finding."""
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(json_line(event) for event in iter_events(result))
