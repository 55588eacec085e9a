"""Declarations that can say no, through the evaluator: `false` (declared: there is none) fails, absent (not
declared yet) is unknown, a value passes; `class` is only needed by profiles with classes; every finding
carries the id and version of the profile its rule came from."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from profiles import evaluate, load_profiles
from profiles.findings import Result as R
from scanner.site import parse_site
from tests.profiles.factbook import camera, decl, inventory

AT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Prague"))
PTZ = {"ptz.present": True, "ptz.nodes": [{"token": "N1"}],
       "privacy.masks": [{"token": "M1", "type": "Color", "enabled": True, "points": 4}]}
AUDIO = {"media.audio_in_profiles": ["Profile_1"]}


def _finding(facts: dict, fields: dict, rule: str, profiles: tuple[str, ...] = ("gr-hdpa-1-2011", "cz-uoou-2024")):  # type: ignore[no-untyped-def]
    declaration = decl(**fields)
    evaluation = evaluate([camera(facts=facts)], inventory(declaration), load_profiles(list(profiles)), at=AT)
    return next(f for f in evaluation.findings if f.rule_id == rule)


@pytest.mark.parametrize(("facts", "fields", "rule", "result", "text"), [
    ({}, {"class_": 3, "dpia_ref": "DPIA-2026-4"}, "GDPR-DPIA-1", R.PASS, "DPIA DPIA-2026-4"),
    ({}, {"class_": 3}, "GDPR-DPIA-1", R.UNKNOWN, "declare the DPIA reference"),
    ({}, {"class_": 3, "dpia_ref": False}, "GDPR-DPIA-1", R.FAIL, "`dpia_ref: false`"),
    (AUDIO, {"audio": {"reason": "infant room", "approval_ref": "HDPA-17"}}, "GR-AUDIO-1", R.PASS, "approved"),
    (AUDIO, {"audio": {"reason": "infant room"}}, "GR-AUDIO-1", R.UNKNOWN, "approval_ref"),
    (AUDIO, {"audio": {"reason": "infant room", "approval_ref": False}}, "GR-AUDIO-1", R.FAIL,
     "`audio.approval_ref: false`"),
    (AUDIO, {"audio": False}, "GR-AUDIO-1", R.FAIL, "declared `audio: false`"),
    (PTZ, {"realtime_monitoring": True, "ptz": {"reason": "night patrol"}}, "GR-PTZ-1", R.PASS, "watched live"),
    (PTZ, {"ptz": {"reason": "night patrol"}}, "GR-PTZ-1", R.UNKNOWN, "realtime_monitoring"),
    (PTZ, {"realtime_monitoring": False, "ptz": {"reason": "night patrol"}}, "GR-PTZ-1", R.FAIL,
     "`realtime_monitoring: false`"),
    # a live operator is not a justification for the PTZ head itself (and the other way round)
    (PTZ, {"realtime_monitoring": True}, "CZ-MIN-1", R.FAIL, "no `ptz` justification"),
    ({}, {"legal_basis": "legitimate_interest", "balancing_test_ref": False}, "CZ-BASIS-1", R.FAIL,
     "`balancing_test_ref: false`"),
    ({}, {"legal_basis": "legitimate_interest", "balancing_test_ref": None}, "CZ-BASIS-1", R.UNKNOWN,
     "balancing_test_ref"),
])
def test_false_absent_value(facts: dict, fields: dict, rule: str, result: R, text: str) -> None:
    finding = _finding(facts, fields, rule)
    assert finding.result is result, finding.message
    assert text in finding.message


def test_class_is_optional_without_class_profiles() -> None:
    declaration = decl(class_=None)
    evaluation = evaluate([camera()], inventory(declaration), load_profiles(["gr-hdpa-1-2011", "fr-cnil-2020"]),
                          at=AT)
    assert not [f for f in evaluation.findings if "class" in f.message and f.result is R.UNKNOWN]
    with_cz = evaluate([camera()], inventory(declaration), load_profiles(["cz-uoou-2024"]), at=AT)
    unknown = {f.rule_id for f in with_cz.findings if f.result is R.UNKNOWN and "class" in f.message}
    assert {"CZ-CLASS-1", "CZ-CLASS-2", "CZ-CLASS-3"} <= unknown


def test_site_file_accepts_no_and_rejects_yes_for_references() -> None:
    base = """
name: s
scope: {targets: [127.0.0.0/30]}
country: GR
school_breaks: [{start: 2026-12-24, end: 2027-01-07, name: Christmas}]
cameras:
  - name: c
    match: {ip: 127.0.0.1}
    area: Δοκιμαστήριο
    sector: Κατάστημα
    purposes: [property_protection]
    dpia_ref: {value}
"""
    site = parse_site(base.replace("{value}", "false"))
    cam = site.cameras[0]
    assert cam.dpia_ref is False and cam.camera_class is None
    assert cam.area == "fitting_room" and cam.sector == "shop"
    assert site.country == "GR" and site.school_breaks[0].name == "Christmas"
    with pytest.raises(Exception, match="dpia_ref"):
        parse_site(base.replace("{value}", "true"))
    with pytest.raises(ValidationError):
        decl(school_breaks=None, dpia_ref=True)


def test_findings_carry_profile_id_and_version() -> None:
    evaluation = evaluate([camera()], inventory(decl()), load_profiles(["gr-hdpa-1-2011"]), at=AT)
    by_rule = {f.rule_id: f for f in evaluation.findings}
    assert (by_rule["GR-CORE-1"].profile, by_rule["GR-CORE-1"].profile_version) == ("gr-hdpa-1-2011", "2011.1")
    assert (by_rule["GDPR-SEC-1"].profile, by_rule["GDPR-SEC-1"].profile_version) == ("gdpr-baseline",
                                                                                      by_rule["GDPR-SEC-1"].profile_version)
    assert all(f.profile_version for f in evaluation.findings)
