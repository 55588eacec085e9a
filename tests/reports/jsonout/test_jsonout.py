"""The scan document validates against its published schema and round-trips; bad files give located errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from probes.errors import ConfigError
from reports.jsonout import (
    FACTS_SCHEMA_PATH,
    SCHEMA_PATH,
    facts_json_schema,
    load_scan,
    scan_json_schema,
    write_json,
    write_jsonl,
)
from reports.model import SCHEMA_ID


def _validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_published_schema_is_current():
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == scan_json_schema(), (
        "the scan model changed: regenerate with `python -m reports.jsonout` and review the diff"
    )


def test_written_document_validates_and_round_trips(scan, tmp_path):
    path = tmp_path / "scan.json"
    write_json(scan, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema"] == SCHEMA_ID
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(doc)]
    assert errors == []
    assert load_scan(path) == scan


def test_schema_rejects_what_the_model_rejects(scan):
    doc = json.loads(scan.dump_json())
    doc["findings"][0]["result"] = "maybe"
    doc["schema"] = "camaudit.scan/4"
    del doc["meta"]["scan_id"]
    assert len(list(_validator().iter_errors(doc))) >= 3


def test_documents_of_schema_1_still_load(scan, tmp_path):
    """/2 only adds optional fields (a finding's profile_version): a /1 document reads as the current one."""
    doc = json.loads(scan.dump_json())
    doc["schema"] = "camaudit.scan/1"
    for finding in doc["findings"]:
        finding.pop("profile_version", None)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_scan(path)
    assert loaded.schema_ == SCHEMA_ID == "camaudit.scan/3"
    assert len(loaded.findings) == len(scan.findings) and all(f.profile_version is None for f in loaded.findings)


def test_jsonl_has_one_self_contained_finding_per_line(scan, tmp_path):
    path = tmp_path / "findings.jsonl"
    write_jsonl(scan, path)
    lines = path.read_text(encoding="utf-8").splitlines()  # U+2028 in device names must not split a line
    assert len(lines) == len(scan.findings) + 1
    last = json.loads(lines.pop())  # the scan's coverage closes the file
    assert last["schema"] == "camaudit.coverage/1" and last["complete"] is False and last["coverage"]["incomplete"]
    first = json.loads(lines[0])
    f = scan.findings[0]
    assert (first["uid"], first["rule_id"], first["result"]) == (f.uid, f.rule_id, f.result)
    assert first["device"]["address"] == scan.devices[0].address
    assert first["device"]["manufacturer"] == "Axis"
    assert first["scan_id"] == scan.meta.scan_id and first["schema"] == "camaudit.finding/1"
    names = {json.loads(line)["device"]["name"] for line in lines}
    assert "</script><img src=x onerror=alert(2)>\u2028" in names


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        ("{not json", "bad.json:1: not JSON"),
        ('{"schema": "camaudit.scan/9", "meta": {}}', "schema"),
        ("[1, 2]", "not a camaudit scan document"),
    ],
)
def test_bad_documents_are_located(tmp_path, content, expect):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_scan(path)
    assert str(path) in str(err.value) and expect in str(err.value)


def test_invalid_field_is_named(scan, tmp_path):
    doc = json.loads(scan.dump_json())
    doc["findings"][2]["severity"] = "apocalyptic"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"findings\.2\.severity"):
        load_scan(path)


def test_jsonl_fast_path_matches_the_record_api(scan, tmp_path):
    from reports.jsonout import finding_record

    path = tmp_path / "findings.jsonl"
    write_jsonl(scan, path)
    lines = path.read_text(encoding="utf-8").split("\n")[:-2]  # the last record is the coverage
    for line, finding in zip(lines, scan.findings, strict=True):
        assert json.loads(line) == json.loads(json.dumps(finding_record(finding, scan)))


def test_streamed_json_equals_the_model_dump(tmp_path: Path) -> None:
    """write_json streams item by item; the document must still be exactly the model's JSON."""
    import json

    from reports.jsonout import write_json
    from reports.model import ScanResult
    from tests.reports.factory import add_drift, make_scan

    for scan in (add_drift(make_scan(7, findings_per_device=4)), make_scan(0, findings_per_device=0)):
        path = tmp_path / "scan.json"
        write_json(scan, path)
        assert json.loads(path.read_text(encoding="utf-8")) == json.loads(scan.model_dump_json(by_alias=True))
        assert ScanResult.load(path).model_dump() == scan.model_dump()


def test_scan_1_documents_still_load_with_read_status_and_coverage_derived(scan, tmp_path):
    """A camaudit.scan/1 document (no read status, no coverage) loads; both are derived from its facts."""
    from reports.coverage import compute_coverage

    current = json.loads(scan.dump_json())
    old = json.loads(scan.dump_json())
    old["schema"] = "camaudit.scan/1"
    del old["coverage"]
    for device in old["devices"]:
        del device["read"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    loaded = load_scan(path).with_coverage()
    assert loaded.schema_ == SCHEMA_ID
    assert [d.read for d in loaded.devices] == [d.read for d in scan.devices]
    assert [d["read"] for d in current["devices"]] == [d.read.model_dump(mode="json") for d in loaded.devices]
    assert loaded.coverage == compute_coverage(scan)
    assert loaded.coverage.incomplete  # the sample has a device that was not read


def test_published_fact_value_schema_is_current():
    assert json.loads(FACTS_SCHEMA_PATH.read_text(encoding="utf-8")) == facts_json_schema(), (
        "a fact value model changed: regenerate with `python -m reports.jsonout` and review the diff"
    )


def test_the_scan_schema_rejects_a_fact_value_of_the_wrong_shape(scan):
    doc = json.loads(scan.dump_json())
    facts = next(d["facts"] for d in doc["devices"] if d["facts"])
    key = next(iter(facts))
    facts[key] = {"status": "ok", "value": {"not": "a value of " + key}, "source": "test"}
    assert list(_validator().iter_errors(doc)), f"a bad value of {key} passed the published schema"
