"""Upgrades are a feature: a scan document written by camaudit 0.2.0 still loads and re-serialises in the current
schema (the document is tests/compat/v0_2_0/scan.json.gz, written by the released 0.2.0 code)."""

from __future__ import annotations

import json

import jsonschema

from reports.jsonout import load_scan, scan_json_schema, write_json
from tests.compat import v0_2_0


def test_a_0_2_0_scan_document_loads_and_validates_as_current(tmp_path) -> None:
    old = load_scan(v0_2_0.unpack("scan.json", tmp_path))
    assert len(old.devices) == v0_2_0.DEVICES and len(old.findings) == v0_2_0.FINDINGS
    assert sum(len(d.facts) for d in old.devices) == v0_2_0.FACTS
    assert old.meta.site == v0_2_0.SITE
    rewritten = tmp_path / "rewritten.json"
    write_json(old, rewritten)
    jsonschema.validate(json.loads(rewritten.read_text(encoding="utf-8")), scan_json_schema())
    assert load_scan(rewritten).model_dump(mode="json") == old.model_dump(mode="json")
