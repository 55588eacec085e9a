"""The scan document is assembled here, next to its model (`reports/model.py`), by the layer that owns it.

The scanner runs a scan (discover, read, `profiles.evaluate`) and hands the parts over; what
goes into the document, and how (declared names and cameras, the judging time and profiles,
coverage), is decided once, here. Reports, MQTT and the history store then read the same
document. (The model cannot live in `scanner/`: the layering is scanner -> reports -> profiles
-> probes, and every report consumes it.)
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from probes.facts import DeviceFacts
from profiles.evaluator import Evaluation
from profiles.inventory import Inventory
from profiles.model import Profile
from reports.coverage import compute_coverage
from reports.model import DeclaredCamera, ScanMeta, ScanResult


def new_document(meta: ScanMeta, devices: list[DeviceFacts]) -> ScanResult:
    """The document of what a scan read, before (or without) judging it."""
    return ScanResult(meta=meta, devices=devices)


def document_of_facts(devices: list[DeviceFacts], *, site: str, at: datetime, scanner_version: str) -> ScanResult:
    """A fresh document around fact sheets saved without one (`camaudit evaluate` of a bare JSON list)."""
    meta = ScanMeta(scan_id=f"evaluate-{uuid.uuid4().hex[:12]}", site=site, started_at=at, finished_at=at,
                    scanner_version=scanner_version)
    return new_document(meta, devices)


def facts_only(result: ScanResult, *, named: Sequence[str]) -> ScanResult:
    """A document that is not judged (`--facts-only`): its coverage is about reading only."""
    result.coverage = compute_coverage(result, named=named)
    return result


def judged(result: ScanResult, evaluation: Evaluation, inventory: Inventory, profiles: Sequence[Profile],
           *, at: datetime, named: Sequence[str] | None = None) -> ScanResult:
    """Fill `result` (in place) with an evaluation: findings, who was matched to which declaration, coverage.

    Drift is cleared: it describes findings that were just replaced (recording the scan fills it again).
    """
    result.findings = evaluation.findings
    result.drift = None
    result.declared_names = dict(evaluation.matches)
    by_name = {cam.name: cam for cam in inventory.declarations}
    result.declared = {
        device_id: DeclaredCamera(name=name, camera_class=by_name[name].camera_class, area=by_name[name].area,
                                  sector=by_name[name].sector or inventory.sector)
        for device_id, name in evaluation.matches.items() if name in by_name
    }
    result.meta.evaluated_at = at
    result.meta.profiles = [p.id for p in profiles]
    cameras = inventory.declarations
    result.coverage = compute_coverage(
        result, declared=[c.name for c in cameras], drafts=[c.name for c in cameras if c.placeholders],
        named=named)
    return result
