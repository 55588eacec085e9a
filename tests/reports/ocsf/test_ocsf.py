"""OCSF events validate against the official 1.8.0 Compliance Finding schema and map our fields faithfully."""

from __future__ import annotations

import json
from functools import cache

import jsonschema
import pytest
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from profiles.findings import Change, Result
from reports.ocsf import finding_to_ocsf, write_ocsf


@cache
def _validator() -> jsonschema.Draft202012Validator:
    embedded = OcsfJsonSchemaEmbedded(get_ocsf_schema("1.8.0"))
    schema = embedded.get_class_schema("compliance_finding")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(event: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(event)]


def test_every_finding_validates_against_the_official_schema(scan, tmp_path):
    path = tmp_path / "events.ocsf.jsonl"
    write_ocsf(scan, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(scan.findings)
    results = set()
    for line in lines:
        event = json.loads(line)
        assert _errors(event) == []
        results.add(event["unmapped"]["camaudit"]["result"])
    assert results == {
        str(r) for r in Result
    }  # the sample covers every result, so every mapping was validated


def test_the_validator_rejects_a_broken_event(scan):
    event = finding_to_ocsf(scan.findings[0], scan)
    event["compliance"]["status_id"] = 7  # not in the 1.8.0 enum
    del event["finding_info"]["uid"]
    event["device"]["type_id"] = "iot"
    assert len(_errors(event)) >= 3


def test_mapping_of_a_failing_finding(scan):
    finding = next(f for f in scan.findings if f.result is Result.FAIL and f.device_id != "site")
    event = finding_to_ocsf(finding, scan)
    assert (event["class_uid"], event["category_uid"]) == (2003, 2)
    assert event["type_uid"] == 2003 * 100 + event["activity_id"]
    assert event["finding_info"]["uid"] == finding.uid
    assert event["compliance"]["standards"] == [finding.profile]
    assert event["compliance"]["requirements"] == [finding.rule_id]
    assert event["compliance"]["control"] == f"{finding.reference.source} {finding.reference.article}"
    assert (event["compliance"]["status_id"], event["compliance"]["status"]) == (3, "Fail")
    assert (
        event["severity_id"] == {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}[finding.severity]
    )
    assert event["remediation"]["desc"] == finding.remediation
    device = next(d for d in scan.devices if d.device_id == finding.device_id)
    assert event["device"]["type_id"] == 7
    assert event["device"]["uid"] == device.device_id
    assert event["device"]["ip"] == device.address
    assert event["device"]["mac"] == device.mac
    assert event["time"] == int(finding.evaluated_at.timestamp() * 1000)


@pytest.mark.parametrize(
    ("result", "status_id", "event_status"),
    [
        (Result.PASS, 1, 1),
        (Result.WAIVED, 3, 3),
        (Result.MANUAL, 2, 1),
        (Result.UNKNOWN, 0, 1),
        (Result.NOT_APPLICABLE, 99, 1),
        (Result.ERROR, 99, 1),
    ],
)
def test_status_mapping(scan, result, status_id, event_status):
    finding = next(f for f in scan.findings if f.result is result).model_copy(
        update={"change": Change.PERSISTING}
    )
    event = finding_to_ocsf(finding, scan)
    assert event["compliance"]["status_id"] == status_id
    assert event["status_id"] == event_status
    assert event["activity_id"] == 2


def test_resolved_finding_closes_and_site_finding_has_no_device(scan):
    resolved = scan.findings[0].model_copy(update={"change": Change.RESOLVED})
    event = finding_to_ocsf(resolved, scan)
    assert (event["activity_id"], event["type_uid"], event["status_id"]) == (3, 200303, 4)
    site = next(f for f in scan.findings if f.device_id == "site")
    event = finding_to_ocsf(site, scan)
    assert "device" not in event and _errors(event) == []


def test_uids_are_stable_per_finding_and_unique_per_event(scan):
    events = [finding_to_ocsf(f, scan) for f in scan.findings]
    assert len({e["metadata"]["uid"] for e in events}) == len(events)
    again = finding_to_ocsf(scan.findings[3], scan)
    assert again == events[3]
