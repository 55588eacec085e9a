"""A scan document with a drift summary validates against the published schema and round-trips."""

from __future__ import annotations

import json

import jsonschema

from reports.drift import DRIFT_SCHEMA_ID
from reports.jsonout import SCHEMA_PATH, load_scan, write_json
from tests.reports.factory import add_drift, make_scan


def test_drift_summary_validates_and_round_trips(tmp_path):
    scan = add_drift(make_scan(30), n_new=2, n_vanished=2, n_facts=3, waiting=3)
    assert sum(f.needs_declaration for f in scan.findings) == 3
    path = tmp_path / "scan.json"
    write_json(scan, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["drift"]["version"] == DRIFT_SCHEMA_ID
    assert set(doc["drift"]) >= {"previous_scan_id", "previous_started_at", "new_devices", "vanished_devices",
                                 "fact_changes", "fact_changes_total", "findings"}
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(doc)] == []
    doc["drift"]["findings"]["new"] = "many"
    assert list(validator.iter_errors(doc))  # the schema really describes the drift
    loaded = load_scan(path)
    assert loaded == scan and loaded.drift is not None
    assert sum(f.needs_declaration for f in loaded.findings) == 3  # the mark survives JSON


def test_documents_without_drift_still_load(tmp_path):
    scan = make_scan(3)
    doc = json.loads(scan.dump_json())
    doc.pop("drift", None)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load_scan(path).drift is None
