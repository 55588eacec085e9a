"""Scan documents written by the previous release still load and judge the same (issue 16, item 8).

`compat/scan-2-demo.json.gz` is `camaudit demo --at 2026-06-03T10:00 --json` written by camaudit 0.2.0
(schema camaudit.scan/2, before fact values were typed); `compat/scan-2-demo-site.yaml` is the demo site
file of that release. Re-evaluating the loaded facts must give the findings stored in the document for
every rule that needs only facts the old document has: the typed fact values read the old JSON exactly as
the old code read its dicts. (Rules that now also need newer facts, e.g. the RTSP probe's, are unknown on
an old document, as they should be: those are left out of the comparison, and each is named.)
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

from probes.facts import FACT_CATALOGUE
from reports.jsonout import load_scan, write_json
from reports.model import SCHEMA_ID
from scanner.pipeline import evaluate_result
from scanner.site import load_site

COMPAT = Path(__file__).parent / "compat"


def _scan_2(tmp_path: Path) -> Path:
    path = tmp_path / "scan-2.json"
    path.write_bytes(gzip.decompress((COMPAT / "scan-2-demo.json.gz").read_bytes()))
    return path


def test_a_scan_2_document_loads(tmp_path):
    path = _scan_2(tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["schema"] == "camaudit.scan/2"
    result = load_scan(path)
    assert result.schema_ == SCHEMA_ID
    assert len(result.devices) == 14
    assert result.findings


def test_a_scan_2_document_re_evaluates_to_the_same_findings(tmp_path):
    result = load_scan(_scan_2(tmp_path))
    stored = {f.uid: f for f in result.findings}
    known = {key for device in result.devices for key in device.facts}
    newer = set(FACT_CATALOGUE) - known
    at = result.meta.evaluated_at
    assert isinstance(at, datetime)
    evaluate_result(result, load_site(COMPAT / "scan-2-demo-site.yaml"), result.meta.profiles, at=at)
    compared = changed = 0
    needs_newer: set[str] = set()
    for finding in result.findings:
        old = stored.get(finding.uid)
        if old is None:
            continue  # a rule that did not exist in 0.2.0
        if newer & {e.key for e in finding.evidence}:
            needs_newer.add(finding.rule_id)
            continue
        compared += 1
        if (old.result, old.message) != (finding.result, finding.message):
            changed += 1
            print(f"{finding.rule_id} on {finding.device_name}: {old.result} {old.message!r} -> "
                  f"{finding.result} {finding.message!r}")
    assert changed == 0, "re-evaluating stored camaudit.scan/2 facts changed findings (printed above)"
    assert compared >= len(stored) // 2, f"too few findings compared ({compared}); rules needing newer facts: " \
                                         f"{sorted(needs_newer)}"


def test_a_scan_2_document_written_again_is_a_scan_3_document_with_the_same_facts(tmp_path):
    result = load_scan(_scan_2(tmp_path))
    path = tmp_path / "scan-3.json"
    write_json(result, path)
    assert json.loads(path.read_text(encoding="utf-8"))["schema"] == SCHEMA_ID
    assert load_scan(path).devices == result.devices
