"""Thermal checks: EDPS-SCOPE/ADM/ISO/REC/NET/CAL/PURPOSE-1 and FR-THERMAL-1."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import TUESDAY_10, camera, decl, failed, judge, run_case

T = {"thermal.radiometry": True}
T_CLEAN = {**T, "recording.jobs": [], "recording.recordings": [], "recording.active": False,
           "recording.summary": {"data_from": None, "data_until": None, "recordings": 0}}
SCREEN = {"purposes": ["temperature_screening"], "temperature_threshold_c": 37.8, "calibration_date": "2026-09-01",
          "human_review": True}
UNREAD = {"thermal.radiometry": failed("thermal.radiometry", "error", "timed out")}

CASES = [
    ("thermal_scope", T, SCREEN, {}, R.PASS, "radiometric camera"),
    ("thermal_scope", {}, {}, {}, R.NOT_APPLICABLE, "not a radiometric"),
    ("thermal_scope", UNREAD, {}, {}, R.UNKNOWN, "fact `thermal.radiometry` is error"),
    ("thermal_legal_framework", T, SCREEN, {}, R.FAIL, "no legal framework declared"),
    ("thermal_legal_framework", T, {**SCREEN, "thermal_legal_framework": "Decree 2020/88"}, {}, R.PASS,
     "under Decree 2020/88"),
    ("thermal_legal_framework", UNREAD, SCREEN, {}, R.UNKNOWN, "thermal.radiometry"),
    ("thermal_not_recorded", T_CLEAN, SCREEN, {}, R.PASS, "no recording, no storage"),
    ("thermal_not_recorded", T, SCREEN, {}, R.FAIL, "recording job(s) active: RecordingJob_1"),
    ("thermal_not_recorded", {**T_CLEAN, "storage.targets": [{"token": "SD", "type": "LocalStorage", "local": True}]},
     SCREEN, {},
     R.FAIL, "storage configured (LocalStorage)"),
    ("thermal_not_recorded", {**T_CLEAN, "recording.jobs": failed("recording.jobs")}, SCREEN, {}, R.UNKNOWN,
     "fact `recording.jobs` is error"),
    ("thermal_network_isolated", T, SCREEN, {}, R.PASS, "no route, DNS or cloud service"),
    ("thermal_network_isolated", {**T, "network.gateway": ["192.0.2.1"],
                                  "network.dns": {"from_dhcp": False, "servers": ["192.0.2.53"]}}, SCREEN, {},
     R.FAIL, "default gateway 192.0.2.1; DNS 192.0.2.53"),
    ("thermal_network_isolated", {**T, "network.gateway": failed("network.gateway")}, SCREEN, {}, R.UNKNOWN,
     "network.gateway"),
    ("thermal_automated_decision", T, SCREEN, {}, R.PASS, "a person reviews every refusal"),
    ("thermal_automated_decision", T, {**SCREEN, "human_review": False}, {}, R.FAIL, "without human review"),
    ("thermal_automated_decision", T, {**SCREEN, "human_review": None}, {}, R.UNKNOWN, "`human_review` is missing"),
    ("thermal_automated_decision", T, {**SCREEN, "human_review": None, "legal_basis": "explicit_consent"}, {},
     R.PASS, "explicit consent"),
    ("thermal_calibration", T, SCREEN, {}, R.PASS, "threshold 37.8 °C, calibrated 2026-09-01"),
    ("thermal_calibration", T, {**SCREEN, "calibration_date": "2025-06-01"}, {}, R.FAIL, "541 days old (max 365)"),
    ("thermal_calibration", T, {**SCREEN, "calibration_date": "2025-06-01"}, {"max_calibration_age_days": 600},
     R.PASS, "calibrated 2025-06-01"),
    ("thermal_calibration", T, {**SCREEN, "calibration_date": None}, {}, R.UNKNOWN, "`calibration_date` is missing"),
    ("thermal_purpose", T, SCREEN, {}, R.PASS, "used only for temperature_screening"),
    ("thermal_purpose", T, {**SCREEN, "purposes": ["temperature_screening", "evidence"]}, {}, R.FAIL,
     "also used for evidence"),
    ("thermal_purpose", UNREAD, SCREEN, {}, R.UNKNOWN, "thermal.radiometry"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_thermal_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)


def _fleet(other_segment: str | object, *, thermal_segment: object = "10.0.5.0/24"):
    thermal = camera(address="10.0.5.9", uuid="t-1", facts={**T, "network.segment": thermal_segment})
    other = {"network.segment": other_segment}
    if not isinstance(other_segment, str):  # nothing tells where the other camera is
        other["network.interfaces"] = failed("network.interfaces")
    cctv = camera(address="10.0.5.10", uuid="c-1", facts=other)
    return thermal, [thermal, cctv]


@pytest.mark.parametrize(("other", "mine", "result", "text"), [
    ("10.0.5.0/24", "10.0.5.0/24", R.FAIL, "on segment 10.0.5.0/24 together with 1 CCTV camera(s): cctv-door"),
    ("10.0.6.0/24", "10.0.5.0/24", R.PASS, "alone on segment 10.0.5.0/24"),
    (failed("network.segment"), "10.0.5.0/24", R.UNKNOWN, "network segment unknown for 1 other camera(s)"),
    ("10.0.5.0/24", failed("network.segment"), R.FAIL, "on segment 10.0.5.0/24"),  # from its interface address
])
def test_thermal_isolated_compares_segments_across_the_fleet(other, mine, result, text) -> None:
    thermal, devices = _fleet(other, thermal_segment=mine)
    from profiles.checks import REGISTRY, CheckContext, run_check
    from profiles.inventory import Inventory

    declaration = decl(name="thermal", **SCREEN)
    ctx = CheckContext(device=thermal, declaration=declaration, inventory=Inventory(site="s"), devices=devices,
                       at=TUESDAY_10, params=REGISTRY["thermal_isolated"].validate_params({}),
                       matches={"uuid:c-1": "cctv-door", "uuid:t-1": "thermal"})
    outcome = run_check(REGISTRY["thermal_isolated"], ctx)
    assert outcome.result is result, outcome.message
    assert text in outcome.message


def test_thermal_isolated_ignores_other_thermal_cameras() -> None:
    thermal = camera(address="10.0.5.9", uuid="t-1", facts={**T, "network.segment": "10.0.5.0/24"})
    other = camera(address="10.0.5.8", uuid="t-2", facts={**T, "network.segment": "10.0.5.0/24"})
    outcome = judge("thermal_isolated", thermal, decl(**SCREEN), devices=[thermal, other])
    assert outcome.result is R.PASS, outcome.message


def test_thermal_isolated_unknown_without_segment_or_interfaces() -> None:
    thermal = camera(address="10.0.5.9", uuid="t-1", facts={**T, "network.segment": failed("network.segment"),
                                                             "network.interfaces": failed("network.interfaces")})
    outcome = judge("thermal_isolated", thermal, decl(**SCREEN), devices=[thermal])
    assert outcome.result is R.UNKNOWN
    assert "fact `network.segment` is error" in outcome.message


def test_thermal_isolated_uses_interface_networks() -> None:
    thermal = camera(address="10.0.5.9", uuid="t-1", facts={**T, "network.segment": failed("network.segment")})
    cctv = camera(address="10.0.6.9", uuid="c-1", facts={"network.segment": failed("network.segment")})
    outcome = judge("thermal_isolated", thermal, decl(**SCREEN), devices=[thermal, cctv])
    assert outcome.result is R.PASS and "alone on segment 10.0.5.0/24" in outcome.message
