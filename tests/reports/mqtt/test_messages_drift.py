"""MQTT selection for undeclared cameras, and the drift in state and finished messages (no broker needed)."""

from __future__ import annotations

import json

import pytest

from profiles.findings import NO_DECLARATION, Change, Result
from reports.mqtt import MqttConfig, is_reported
from reports.mqtt.messages import MessageKind, result_messages
from tests.reports.factory import add_drift, make_scan


def _config(tmp_path, **kw) -> MqttConfig:
    return MqttConfig(host="127.0.0.1", outbox=tmp_path / "o.sqlite", **kw)


@pytest.mark.parametrize(("change", "sent"), [
    (None, False), (Change.NEW, False), (Change.PERSISTING, False),
    (Change.CHANGED, True), (Change.RESOLVED, True),  # a state change of a known alert still goes out
])
def test_waiting_unknowns_are_not_alerts(scan, change, sent):
    finding = scan.findings[0].model_copy(update={"change": change, "result": Result.UNKNOWN,
                                                  "evidence": [NO_DECLARATION]})
    assert finding.needs_declaration
    assert is_reported(finding) is sent
    assert is_reported(finding, send_all=True) is True
    other = finding.model_copy(update={"evidence": []})  # an unknown for a missing fact is still an alert
    assert is_reported(other) is (change in (None, Change.NEW, Change.CHANGED, Change.RESOLVED))


def test_the_result_never_changes_with_the_mark(scan):
    finding = scan.findings[0].model_copy(update={"result": Result.FAIL, "evidence": [NO_DECLARATION],
                                                  "change": Change.NEW})
    assert not finding.needs_declaration and is_reported(finding)  # a fail is a fail


def test_state_and_finished_carry_drift_and_the_waiting_count(tmp_path):
    scan = add_drift(make_scan(30, hostile=False), n_new=2, n_vanished=1, n_facts=4, waiting=6)
    messages = result_messages(scan, _config(tmp_path), "lab-host")
    states = {json.loads(m.payload)["device_id"]: json.loads(m.payload) for m in messages
              if m.kind == MessageKind.STATE}
    waiting: dict[str, int] = {}
    for f in scan.findings:
        if f.needs_declaration:
            waiting[f.device_id] = waiting.get(f.device_id, 0) + 1
    assert {d: s["needs_declaration"] for d, s in states.items() if s["needs_declaration"]} == waiting
    new_ids = [d.device_id for d in scan.drift.new_devices]
    assert all(states[d]["drift"]["new_device"] is True for d in new_ids)
    for c in scan.drift.fact_changes:
        assert {"key": c.key, "sentence": c.sentence, "before": c.before, "after": c.after} in \
            states[c.device_id]["drift"]["fact_changes"]
    untouched = next(d for d in states if d not in new_ids and d not in {c.device_id for c in scan.drift.fact_changes})
    assert states[untouched]["drift"] == {"new_device": False, "fact_changes": []}
    finished = json.loads(messages[-1].payload)
    assert finished["counts"]["needs_declaration"] == sum(waiting.values())
    drift = finished["drift"]
    assert drift["previous_scan_id"] == scan.drift.previous_scan_id
    assert [d["device_id"] for d in drift["new_devices"]] == new_ids
    assert [d["name"] for d in drift["vanished_devices"]] == ["<b>gone-0</b>"]
    assert drift["fact_changes"] == 4 and drift["findings"] == scan.drift.findings.model_dump()
    # no finding message for a waiting unknown
    sent = {dict(m.user_properties)["finding_uid"] for m in messages if m.kind == MessageKind.FINDING}
    assert not sent & {f.uid for f in scan.findings if f.needs_declaration}


def test_without_history_the_drift_field_is_null(scan, tmp_path):
    messages = result_messages(scan, _config(tmp_path), "lab-host")
    assert all(json.loads(m.payload)["drift"] is None for m in messages if m.kind == MessageKind.STATE)
    assert json.loads(messages[-1].payload)["drift"] is None
