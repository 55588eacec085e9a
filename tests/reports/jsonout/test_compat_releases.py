"""Upgrades are a feature: a scan document written by every earlier release still loads and re-serialises in the
current schema (the documents are tests/compat/v<release>/scan.json.gz, written by the released code)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from reports.jsonout import load_scan, scan_json_schema, write_json
from tests.compat import RELEASES
from tests.compat.releases import Release


@pytest.mark.parametrize("release", RELEASES, ids=lambda release: release.version)
def test_an_earlier_releases_scan_document_loads_and_validates_as_current(release: Release, tmp_path) -> None:
    old = load_scan(release.unpack("scan.json", tmp_path))
    assert len(old.devices) == release.devices and len(old.findings) == release.findings
    assert sum(len(d.facts) for d in old.devices) == release.facts
    assert old.meta.site == release.site
    rewritten = tmp_path / "rewritten.json"
    write_json(old, rewritten)
    jsonschema.validate(json.loads(rewritten.read_text(encoding="utf-8")), scan_json_schema())
    assert load_scan(rewritten).model_dump(mode="json") == old.model_dump(mode="json")
