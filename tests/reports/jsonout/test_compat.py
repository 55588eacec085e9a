"""Scan documents written by the previous release still load and judge the same (issue 16, item 8).

`compat/scan-2-demo.json.gz` is `camaudit demo --at 2026-06-03T10:00 --json` written by camaudit 0.2.0
(schema camaudit.scan/2, before fact values were typed); `compat/scan-2-demo-site.yaml` is the demo site
file of that release. Re-evaluating the loaded facts must give the findings stored in the document: the
typed fact values read the old JSON exactly as the old code read its dicts.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

from reports.jsonout import load_scan
from reports.model import SCHEMA_ID
from scanner.pipeline import evaluate_result
from scanner.site import load_site

COMPAT = Path(__file__).parent / "compat"


def _scan_2(tmp_path: Path) -> Path:
    path = tmp_path / "scan-2.json"
    path.write_bytes(gzip.decompress((COMPAT / "scan-2-demo.json.gz").read_bytes()))
    return path


def _outcomes(findings) -> dict[str, tuple[str, str]]:
    return {f.uid: (str(f.result), f.message) for f in findings}


def test_a_scan_2_document_loads(tmp_path):
    path = _scan_2(tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["schema"] == "camaudit.scan/2"
    result = load_scan(path)
    assert result.schema_ == SCHEMA_ID
    assert len(result.devices) == 14
    assert result.findings


def test_a_scan_2_document_re_evaluates_to_the_same_findings(tmp_path):
    result = load_scan(_scan_2(tmp_path))
    stored = _outcomes(result.findings)
    at = result.meta.evaluated_at
    assert isinstance(at, datetime)
    site_file = load_site(COMPAT / "scan-2-demo-site.yaml")
    evaluate_result(result, site_file, result.meta.profiles, at=at)
    again = _outcomes(result.findings)
    changed = {uid: (stored.get(uid), again.get(uid)) for uid in stored.keys() | again.keys()
               if stored.get(uid) != again.get(uid)}
    assert changed == {}, ("re-evaluating the stored camaudit.scan/2 facts changed findings (if a rule was "
                           "changed on purpose, regenerate the fixture as the module docstring says)")
