"""Drift between two scans of the lab fleet: devices, facts and finding states exactly."""

from __future__ import annotations

from datetime import timedelta

from profiles.findings import Change, Result, Severity, finding_uid
from scanner.drift import annotate, compare, diff_scans, finding_change, is_synthetic
from tests.scanner import labscans

UUID = {name: f"uuid:{spec['uuid']}" for name, spec in {**labscans.CAMERAS, **labscans.fleet_after_changes()}.items()}


def uid(camera: str, rule: str) -> str:
    return finding_uid(labscans.SITE, UUID[camera], rule)


EXPECTED = {
    uid("school-corridor", "T-AUDIO-1"): Change.NEW,  # audio turned on: pass -> fail
    uid("school-corridor", "T-RET-1"): Change.RESOLVED,  # retention lowered: fail -> pass
    uid("school-corridor", "T-USERS-1"): Change.PERSISTING,
    uid("hotel-lobby", "T-AUDIO-1"): Change.PERSISTING,
    uid("hotel-lobby", "T-RET-1"): Change.NEW,  # retention raised: pass -> fail
    uid("hotel-lobby", "T-USERS-1"): Change.PERSISTING,
    uid("reception", "T-AUDIO-1"): Change.PERSISTING,
    uid("reception", "T-RET-1"): Change.PERSISTING,
    uid("reception", "T-USERS-1"): Change.CHANGED,  # pass -> unknown (denied): not resolved, not persisting
    uid("gate", "T-AUDIO-1"): Change.NEW,  # new camera: first seen
    uid("gate", "T-RET-1"): Change.NEW,
    uid("gate", "T-USERS-1"): Change.NEW,
    uid("car-park", "T-AUDIO-1"): Change.RESOLVED,  # vanished camera: its three failing findings resolve
    uid("car-park", "T-RET-1"): Change.RESOLVED,
    uid("car-park", "T-USERS-1"): Change.RESOLVED,
}


def test_devices_and_facts_drift_exactly():
    first, second = labscans.two_scans()
    drift = compare(second, first)
    assert [d.name for d in drift.new_devices] == ["gate"]
    assert [d.name for d in drift.vanished_devices] == ["car-park"]
    assert drift.vanished_devices[0].model == "DS-2CD2143G2"
    changes = {(c.device_name, c.key): c for c in drift.fact_changes}
    # clock skew differs (0.1 -> 0.7) but is volatile: not a change
    assert set(changes) == {("school-corridor", "media.audio_in_profiles"),
                            ("school-corridor", "recording.recordings"),
                            ("hotel-lobby", "recording.recordings"),
                            ("reception", "identity.firmware"),
                            ("reception", "users")}
    assert changes["school-corridor", "media.audio_in_profiles"].sentence == "audio turned on (profiles: Profile_1)"
    assert changes["school-corridor", "recording.recordings"].sentence == "retention lowered from 7 d to 72 h"
    assert changes["hotel-lobby", "recording.recordings"].sentence == "retention raised from 72 h to 30 d"
    assert changes["reception", "identity.firmware"].sentence == "firmware changed from 9.80.3 to 9.80.4"
    users = changes["reception", "users"]
    assert users.before == "admin" and users.after == "(denied)"  # short texts: the names read; the status
    assert users.sentence == "users could not be read (denied: NotAuthorized)"
    assert all(c.important for c in changes.values())


def test_finding_states_exactly():
    first, second = labscans.two_scans()
    annotated, drift = diff_scans(second, first)
    assert {f.uid: f.change for f in drift.findings} == EXPECTED
    assert {f.uid: f.change for f in annotated.findings} == EXPECTED
    assert drift.counts == {"new": 5, "changed": 1, "persisting": 5, "resolved": 4}
    assert annotated.meta.previous_scan_id == "scan-a"
    synthetic = [f for f in annotated.findings if is_synthetic(f)]
    assert sorted(f.rule_id for f in synthetic) == ["T-AUDIO-1", "T-RET-1", "T-USERS-1"]
    for f in synthetic:
        assert f.device_name == "car-park"
        assert f.result is Result.NOT_APPLICABLE and not f.failing  # a resolution never counts as failing
        assert f.message.startswith("Resolved: the device was not seen in this scan")
        assert f.evaluated_at == second.meta.evaluated_at
    resolved_by_fix = next(f for f in annotated.findings if f.uid == uid("school-corridor", "T-RET-1"))
    assert resolved_by_fix.result is Result.PASS and not is_synthetic(resolved_by_fix)
    # the input is not mutated
    assert all(f.change is None for f in second.findings)


def test_reannotating_and_comparing_annotated_scans_is_stable():
    first, second = labscans.two_scans()
    annotated_first = annotate(first, None)
    assert {f.change for f in annotated_first.findings} == {Change.NEW}
    annotated = annotate(second, annotated_first)
    again = annotate(annotated, annotated_first)
    assert [(f.uid, f.change) for f in again.findings] == [(f.uid, f.change) for f in annotated.findings]
    # comparing stored (annotated) scans gives the same drift as comparing the raw ones
    assert compare(annotated, annotated_first).model_dump() == compare(second, first).model_dump()


def test_third_scan_after_resolution_forgets_vanished_device():
    first, second = labscans.two_scans()
    b = annotate(second, annotate(first, None))
    third = labscans.scan(labscans.fleet_after_changes(), scan_id="scan-c",
                          started=labscans.T0 + timedelta(hours=12))
    drift = compare(third, b)
    assert drift.vanished_devices == [] and drift.new_devices == [] and drift.fact_changes == []
    assert drift.count(Change.PERSISTING) == len(third.findings) == 12
    assert drift.count(Change.RESOLVED) == 0 and drift.empty


def test_severity_change_is_changed_and_rule_dropped_resolves():
    first = labscans.scan(labscans.CAMERAS, scan_id="a", started=labscans.T0)
    second = labscans.scan(labscans.CAMERAS, scan_id="b", started=labscans.T0 + timedelta(hours=1),
                           retention_severity=Severity.HIGH)
    drift = compare(second, first)
    changed = {f.device_name for f in drift.findings if f.change is Change.CHANGED}
    assert changed == set(labscans.CAMERAS)  # every T-RET-1 changed severity, whatever its result
    assert all(f.rule_id == "T-RET-1" for f in drift.findings if f.change is Change.CHANGED)
    # a failing finding whose rule is no longer evaluated (device still present) resolves
    third = second.model_copy(update={"findings": [f for f in second.findings if f.rule_id != "T-USERS-1"]})
    annotated = annotate(third, second)
    dropped = [f for f in annotated.findings if is_synthetic(f)]
    assert [(f.device_name, f.rule_id) for f in dropped] == [("car-park", "T-USERS-1")]
    assert dropped[0].message.startswith("Resolved: this scan no longer reports it (was failing: ")


def test_finding_change_table():
    first, _ = labscans.two_scans()
    f = first.findings[0]
    fail, ok = f.model_copy(update={"result": Result.FAIL}), f.model_copy(update={"result": Result.PASS})
    waived = f.model_copy(update={"result": Result.WAIVED})
    assert finding_change(None, ok) is Change.NEW
    assert finding_change(ok, fail) is Change.NEW
    assert finding_change(waived, fail) is Change.NEW  # an expired waiver makes the problem new again
    assert finding_change(fail, ok) is Change.RESOLVED
    assert finding_change(fail, waived) is Change.CHANGED
    assert finding_change(fail, fail) is Change.PERSISTING


def test_first_scan_has_no_previous():
    first, _ = labscans.two_scans()
    drift = compare(first, None)
    assert drift.previous_scan_id is None and drift.new_devices == [] and drift.vanished_devices == []
    assert drift.count(Change.NEW) == len(first.findings)
