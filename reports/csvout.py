"""CSV of findings, one row per finding, safe to open in a spreadsheet.

Cells that a spreadsheet would read as a formula (starting with = + - @, tab or
carriage return) are prefixed with an apostrophe: device names are hostile input.
"""

from __future__ import annotations

import csv
from pathlib import Path

from probes import factvalues as fv
from reports._index import device_index, device_name
from reports.coverage import coverage_of
from reports.model import ScanResult
from reports.textsafety import cell_text

COLUMNS = [
    "scan_id",
    "site",
    "device_id",
    "device_name",
    "address",
    "mac",
    "manufacturer",
    "model",
    "firmware",
    "declared_class",
    "area",
    "profile",
    "rule_id",
    "check",
    "result",
    "severity",
    "title",
    "message",
    "reference",
    "remediation",
    "change",
    "waiver_approver",
    "waiver_expires",
    "evaluated_at",
    "uid",
    "device_read_status",  # read_fully, read_partly, credentials_refused ... (probes.readstatus)
    "scan_coverage",  # complete, or incomplete: <why> (a clean row of an incomplete scan is not clean)
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> str:
    """The cell text, neutralised when a spreadsheet would run it as a formula."""
    text = cell_text("" if value is None else str(value))  # reports/textsafety.py: the CSV policy
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(result: ScanResult, path: Path) -> None:
    """One row per finding (UTF-8 with BOM so spreadsheets detect the encoding)."""
    index = device_index(result)
    cov = coverage_of(result)
    coverage = "complete" if cov.complete else "incomplete: " + "; ".join(cov.incomplete)
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        for f in result.findings:
            dev = index.get(f.device_id)
            declared = result.declared.get(f.device_id)
            row = {
                "scan_id": result.meta.scan_id,
                "site": result.meta.site,
                "device_id": f.device_id,
                "device_name": device_name(result, f.device_id, f.device_name),
                "address": dev.address if dev else "",
                "mac": dev.mac if dev else "",
                "manufacturer": dev.value(fv.identity.MANUFACTURER) if dev else "",
                "model": dev.value(fv.identity.MODEL) if dev else "",
                "firmware": dev.value(fv.identity.FIRMWARE) if dev else "",
                "declared_class": declared.camera_class if declared else "",
                "area": declared.area if declared and declared.area else "",
                "profile": f.profile,
                "rule_id": f.rule_id,
                "check": f.check,
                "result": f.result,
                "severity": f.severity,
                "title": f.title,
                "message": f.message,
                "reference": f"{f.reference.source} {f.reference.article}",
                "remediation": f.remediation,
                "change": f.change or "",
                "waiver_approver": f.waiver.approver if f.waiver else "",
                "waiver_expires": f.waiver.expires.isoformat() if f.waiver else "",
                "evaluated_at": f.evaluated_at.isoformat(),
                "uid": f.uid,
                "device_read_status": dev.read.status if dev and dev.read else ("" if dev else "not_found"
                                                                                if f.device_id != "site" else ""),
                "scan_coverage": coverage,
            }
            writer.writerow([safe_cell(row[c]) for c in COLUMNS])
