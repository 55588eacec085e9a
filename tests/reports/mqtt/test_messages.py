"""Which findings become messages, and what the payloads say (no broker needed)."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from profiles.findings import Change, Result
from reports.mqtt import MqttConfig, MqttFormat, is_reported
from reports.mqtt.messages import MessageKind, result_messages
from tests.reports.mqtt._ocsf import ocsf_errors


def _config(tmp_path, **kw) -> MqttConfig:
    return MqttConfig(host="127.0.0.1", outbox=tmp_path / "o.sqlite", **kw)


@pytest.mark.parametrize(("change", "result", "sent"), [
    (None, Result.FAIL, True), (None, Result.UNKNOWN, True), (None, Result.ERROR, True),
    (None, Result.PASS, False), (None, Result.NOT_APPLICABLE, False), (None, Result.WAIVED, False),
    (None, Result.MANUAL, False),
    (Change.NEW, Result.FAIL, True), (Change.NEW, Result.PASS, False),
    (Change.CHANGED, Result.PASS, True), (Change.CHANGED, Result.FAIL, True),
    (Change.RESOLVED, Result.PASS, True), (Change.RESOLVED, Result.NOT_APPLICABLE, True),
    (Change.PERSISTING, Result.FAIL, False), (Change.PERSISTING, Result.PASS, False),
])
def test_default_selection(scan, change, result, sent):
    finding = scan.findings[0].model_copy(update={"change": change, "result": result})
    assert is_reported(finding) is sent
    assert is_reported(finding, send_all=True) is True


def test_messages_in_delivery_order_with_unique_ids(scan, tmp_path):
    messages = result_messages(scan, _config(tmp_path), "lab-host")
    kinds = [m.kind for m in messages]
    n_findings = sum(is_reported(f) for f in scan.findings)
    devices = {d.device_id for d in scan.devices} | {f.device_id for f in scan.findings}
    assert kinds == ([MessageKind.SCAN] + [MessageKind.FINDING] * n_findings + [MessageKind.STATE] * len(devices)
                     + [MessageKind.SCAN])
    assert len({m.id for m in messages}) == len(messages)
    for m in messages:
        body = json.loads(m.payload)
        mid = body["unmapped"]["camaudit"]["message_id"] if m.kind == MessageKind.FINDING else body["message_id"]
        assert mid == m.id == dict(m.user_properties)["message_id"]
        assert m.qos == 1 and m.retain is (m.kind == MessageKind.STATE)


def test_ocsf_payloads_validate(scan, tmp_path):
    messages = result_messages(scan, _config(tmp_path, send_all=True), "lab-host")
    events = [json.loads(m.payload) for m in messages if m.kind == MessageKind.FINDING]
    assert len(events) == len(scan.findings)
    for event in events:
        assert ocsf_errors(event) == []
    assert {e["unmapped"]["camaudit"]["result"] for e in events} == {str(r) for r in Result}


def test_native_payload_and_started_without_history(scan, tmp_path):
    finding = scan.findings[0].model_copy(update={"change": None, "result": Result.FAIL})
    scan = scan.model_copy(update={"findings": [finding]})
    messages = result_messages(scan, _config(tmp_path, format=MqttFormat.NATIVE), "lab-host")
    body = json.loads(next(m.payload for m in messages if m.kind == MessageKind.FINDING))
    assert body["change"] == "new"  # no history: treated as new
    assert body["finding"]["uid"] == finding.uid and body["finding"]["result"] == "fail"
    started = json.loads(messages[0].payload)
    assert (started["event"], started["scan_id"], started["site"]) == ("started", scan.meta.scan_id, scan.meta.site)


def test_no_broker_secret_in_any_payload(scan, tmp_path):
    config = _config(tmp_path, username="scanner", password=SecretStr("hunter2-very-secret"), send_all=True)
    for m in result_messages(scan, config, "lab-host"):
        assert b"hunter2-very-secret" not in m.payload
        assert "hunter2-very-secret" not in m.topic


def test_hostile_device_names_stay_data(scan, tmp_path):
    """Hostile names travel JSON-escaped in payloads; topics are built from ids, never from names."""
    messages = result_messages(scan, _config(tmp_path, send_all=True), "lab-host")
    names = {json.loads(m.payload)["device_name"] for m in messages if m.kind == MessageKind.STATE}
    assert "<script>alert(1)</script>" in names
    assert all("<" not in m.topic for m in messages)


def test_strings_that_are_not_valid_unicode_still_make_valid_messages(scan, tmp_path):
    """A lone surrogate (e.g. from a hand-edited scan document) must not stop the publisher."""
    finding = scan.findings[0].model_copy(update={"device_id": "uuid:bad\udc80id", "message": "x\udc80y",
                                                 "change": None, "result": Result.FAIL})
    scan = scan.model_copy(update={"findings": [finding], "devices": []})
    for fmt in MqttFormat:
        for m in result_messages(scan, _config(tmp_path, format=fmt), "lab-host"):
            json.loads(m.payload.decode("utf-8"))
            m.topic.encode("utf-8")
