"""The demo site against the demo fleet yields exactly the findings each scenario was built for.

Facts are built by hand (demo_fleet.py) from the fleet description; the end-to-end test (lab -> reader ->
evaluate) reuses demo_expectations.py.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from profiles import evaluate, load_profiles
from profiles.findings import Result
from scanner.site import load_site, site_inventory
from tests.profiles.demo_expectations import CLEAN, DEMO_AT, DEMO_SITE, EXPECTED_FAILS, fails_by_camera
from tests.profiles.demo_fleet import demo_devices


@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    site = load_site(DEMO_SITE).site
    devices = demo_devices()
    evaluation = evaluate(devices, site_inventory(site), load_profiles(site.profiles), at=DEMO_AT)
    return site, devices, evaluation


def test_demo_site_declares_the_fleet(demo) -> None:  # type: ignore[no-untyped-def]
    site, devices, evaluation = demo
    assert site.name == "demo-campus" and site.timezone == "Europe/Prague"
    assert len(devices) == 14 and len(evaluation.matches) == 13  # rogue-cam is not declared
    assert "rogue-cam" not in evaluation.matches.values()
    assert evaluation.ambiguities == [] and evaluation.warnings == []


@pytest.mark.parametrize("camera", list(EXPECTED_FAILS))
def test_demo_scenario_fails_exactly_as_built(demo, camera: str) -> None:  # type: ignore[no-untyped-def]
    _site, devices, evaluation = demo
    got = fails_by_camera(evaluation, devices)
    assert got[camera] == EXPECTED_FAILS[camera], (
        f"{camera}: missing {sorted(EXPECTED_FAILS[camera] - got[camera])}, "
        f"unexpected {sorted(got[camera] - EXPECTED_FAILS[camera])}")


def test_no_failure_outside_the_table_and_no_errors(demo) -> None:  # type: ignore[no-untyped-def]
    _site, devices, evaluation = demo
    assert set(fails_by_camera(evaluation, devices)) == set(EXPECTED_FAILS)
    assert not evaluation.by_result(Result.ERROR)
    assert not evaluation.by_result(Result.WAIVED)


@pytest.mark.parametrize("camera", CLEAN)
def test_good_examples_are_fully_judged(demo, camera: str) -> None:  # type: ignore[no-untyped-def]
    _site, _devices, evaluation = demo
    findings = [f for f in evaluation.findings if f.device_name == camera]
    assert len(findings) > 50
    bad = [(f.rule_id, f.result, f.message) for f in findings
           if f.result not in (Result.PASS, Result.NOT_APPLICABLE)]
    assert bad == []


def test_demo_messages_explain_the_scenarios(demo) -> None:  # type: ignore[no-untyped-def]
    _site, _devices, evaluation = demo
    msg = {(f.device_name, f.rule_id): f.message for f in evaluation.findings}
    assert "records during school hours (continuously" in msg[("school-corridor", "GR-SCHOOL-1")]
    assert "firmware is '5.1.9', declared '5.2.0'" in msg[("bank-vault", "GDPR-INV-2")]
    assert "together with" in msg[("thermal-entrance", "EDPS-ISO-1")]
    assert "not found" in msg[("lobby-old", "GDPR-INV-2")]
    assert "32 px/m" in msg[("parking-lot", "CZ-PD-1")] and "detection" in msg[("parking-lot", "CZ-MIN-2")]


def test_school_verdict_does_not_depend_on_the_hour_of_the_scan(demo) -> None:  # type: ignore[no-untyped-def]
    site, devices, _ = demo
    night = datetime(2026, 11, 24, 22, 0, tzinfo=ZoneInfo("Europe/Prague"))
    evaluation = evaluate(devices, site_inventory(site), load_profiles(site.profiles), at=night)
    [school] = [f for f in evaluation.findings if f.device_name == "school-corridor" and f.rule_id == "GR-SCHOOL-1"]
    assert school.result is Result.FAIL and "follows no schedule" in school.message
    assert fails_by_camera(evaluation, devices) == EXPECTED_FAILS  # the demo table holds day and night
