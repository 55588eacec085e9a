"""Scan document <-> table rows, shared by the SQLite and PostgreSQL stores.

Each device, fact and finding is a row with the columns people query (status,
result, rule, severity) plus its full JSON, so a stored scan reads back as the
exact scan document it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from probes import clock
from probes.facts import DeviceFacts, Fact
from probes.factvalues import plain
from profiles.findings import Change, Finding, Result
from reports.model import ScanResult
from scanner._gc import paused_gc
from scanner.history.model import ScanRecord, ScanStatus


def utc(dt: datetime) -> datetime:
    """Aware UTC datetime (naive values are taken as UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    """Fixed-width UTC ISO text, so that text order is time order in SQLite."""
    return None if dt is None else utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass
class ScanRows:
    """One scan as rows: the `scans` row values and the child rows (in column order)."""

    scan: dict[str, Any]
    devices: list[tuple[Any, ...]] = field(default_factory=list)  # scan_id, seq, device_id, address, port, label, doc
    facts: list[tuple[Any, ...]] = field(default_factory=list)  # scan_id, device_seq, device_id, key, status, value,
    #                                                             source, reason, evidence
    findings: list[tuple[Any, ...]] = field(default_factory=list)  # scan_id, seq, uid, rule_id, device_id, result,
    #                                                                severity, change, doc


def counts(result: ScanResult) -> dict[str, int]:
    """Summary counters kept on the scans row (what `camaudit history` lists)."""
    findings = result.findings
    return {
        "devices_count": len(result.devices),
        "fail_count": sum(1 for f in findings if f.result is Result.FAIL),
        "new_count": sum(1 for f in findings if f.change is Change.NEW),
        "changed_count": sum(1 for f in findings if f.change is Change.CHANGED),
        "resolved_count": sum(1 for f in findings if f.change is Change.RESOLVED),
        "error_count": len(result.meta.errors) + sum(1 for d in result.devices if d.errors),
    }


def scan_rows(result: ScanResult, *, host: str | None, pid: int | None) -> ScanRows:
    with paused_gc():
        return _scan_rows(result, host=host, pid=pid)


def _scan_rows(result: ScanResult, *, host: str | None, pid: int | None) -> ScanRows:
    meta = result.meta
    # everything but the devices and findings (stored as rows), so new document fields round-trip too
    doc = result.model_dump(mode="json", by_alias=True, exclude={"devices", "findings"})
    rows = ScanRows(scan={
        "scan_id": meta.scan_id, "site": meta.site, "status": ScanStatus.COMPLETE.value,
        "started_at": meta.started_at, "finished_at": meta.finished_at or clock.now(),
        "previous_scan_id": meta.previous_scan_id, "scanner_version": meta.scanner_version,
        "doc_json": json.dumps(doc), "host": host, "pid": pid, "status_reason": None, **counts(result),
    })
    for seq, device in enumerate(result.devices):
        body = device.model_dump(mode="json", exclude={"facts"})
        rows.devices.append((meta.scan_id, seq, device.device_id, device.address, device.port, device.label,
                             json.dumps(body)))
        for key, fact in device.facts.items():
            rows.facts.append((
                meta.scan_id, seq, device.device_id, key, fact.status.value,
                json.dumps(plain(fact.value)), fact.source, fact.reason,
                fact.evidence.model_dump_json() if fact.evidence else None,
            ))
    for seq, finding in enumerate(result.findings):
        rows.findings.append((meta.scan_id, seq, finding.uid, finding.rule_id, finding.device_id,
                              finding.result.value, finding.severity.value,
                              finding.change.value if finding.change else None, finding.model_dump_json()))
    return rows


def _json(value: Any) -> Any:
    """JSON columns come back as text (SQLite, asyncpg default codec)."""
    return json.loads(value) if isinstance(value, str) else value


def build_scan(doc: Any, devices: list[Any], facts: list[Any], findings: list[Any]) -> ScanResult:
    """Rebuild a scan document from rows (each a mapping with the column names)."""
    with paused_gc():
        return _build_scan(doc, devices, facts, findings)


def _build_scan(doc: Any, devices: list[Any], facts: list[Any], findings: list[Any]) -> ScanResult:
    head = _json(doc)
    by_seq: dict[int, dict[str, Fact]] = {}
    for row in facts:
        evidence = _json(row["evidence_json"]) if row["evidence_json"] else None
        by_seq.setdefault(row["device_seq"], {})[row["fact_key"]] = Fact.model_validate({
            "status": row["status"], "value": _json(row["value_json"]), "source": row["source"] or "",
            "reason": row["reason"], "evidence": evidence,
        })
    device_list = []
    for row in sorted(devices, key=lambda r: r["seq"]):
        body = _json(row["doc_json"])
        body["facts"] = by_seq.get(row["seq"], {})
        device_list.append(DeviceFacts.model_validate(body))
    finding_list = [Finding.model_validate_json(row["doc_json"]) if isinstance(row["doc_json"], str)
                    else Finding.model_validate(row["doc_json"]) for row in sorted(findings, key=lambda r: r["seq"])]
    return ScanResult.model_validate({**head, "devices": device_list, "findings": finding_list})


def record_from_row(row: Any) -> ScanRecord:
    def when(value: Any) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return utc(value) if value is not None else None
        return from_iso(value)

    return ScanRecord(
        scan_id=row["scan_id"], site=row["site"], status=ScanStatus(row["status"]),
        started_at=when(row["started_at"]) or datetime.fromtimestamp(0, UTC), finished_at=when(row["finished_at"]),
        previous_scan_id=row["previous_scan_id"], scanner_version=row["scanner_version"],
        host=row["host"], pid=row["pid"], reason=row["status_reason"], devices=row["devices_count"] or 0,
        failing=row["fail_count"] or 0, new=row["new_count"] or 0, changed=row["changed_count"] or 0,
        resolved=row["resolved_count"] or 0, errors=row["error_count"] or 0,
    )
