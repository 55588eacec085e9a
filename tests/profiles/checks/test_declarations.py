"""Declaration checks: CZ-PURPOSE-1, CZ-BASIS-1, *-DPIA-1, GR-CORE-1/GR-NEIGH-1, CZ-WORK-1/GR-WORK-1, FR-PUBLIC-1."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import failed, run_case

FACE = {"analytics.biometric": ["tt:FaceRecognition"],
        "analytics.rules": [{"name": "Watchlist", "type": "tt:FaceRecognition"}]}

CASES = [
    ("primary_purpose", {}, {}, {}, R.PASS, "purposes: property_protection"),
    ("primary_purpose", {}, {"purposes": ["evidence", "incident_prevention"]}, {}, R.FAIL,
     "lack a primary purpose (property_protection or safety_of_persons)"),
    ("primary_purpose", {}, {"purposes": ["safety_of_persons", "publication"]}, {}, R.FAIL,
     "publication breaks purpose limitation"),
    ("primary_purpose", {}, {"purposes": ["temperature_screening"]},
     {"primary": ["property_protection", "temperature_screening"]}, R.PASS, "temperature_screening"),
    ("primary_purpose", {}, None, {}, R.UNKNOWN, "not declared"),
    ("legal_basis_declared", {}, {}, {}, R.PASS, "legal basis legitimate_interest"),
    ("legal_basis_declared", {}, {"balancing_test_ref": None}, {}, R.UNKNOWN, "needs a balancing/proportionality"),
    ("legal_basis_declared", {}, {"balancing_test_ref": False}, {}, R.FAIL, "declared without a balancing"),
    ("legal_basis_declared", {}, {"legal_basis": None}, {}, R.UNKNOWN, "`legal_basis` is missing"),
    ("legal_basis_declared", {}, {"legal_basis": "public_task", "balancing_test_ref": None}, {}, R.PASS,
     "public_task"),
    ("dpia_declared", {}, {}, {}, R.NOT_APPLICABLE, "not high-risk"),
    ("dpia_declared", {}, {"class_": 3}, {}, R.UNKNOWN, "high-risk camera (class 3): declare the DPIA reference"),
    ("dpia_declared", {}, {"class_": 3, "dpia_ref": False}, {}, R.FAIL,
     "high-risk camera (class 3), declared without a DPIA (`dpia_ref: false`)"),
    ("dpia_declared", {}, {"class_": None}, {}, R.UNKNOWN, "declaration field `class` is missing"),
    ("dpia_declared", {}, {"class_": 3, "dpia_ref": "DPIA-9"}, {}, R.PASS, "DPIA DPIA-9"),
    ("dpia_declared", FACE, {"dpia_ref": False}, {"min_class": None}, R.FAIL,
     "biometric analytics (tt:FaceRecognition"),
    ("dpia_declared", {"thermal.radiometry": True}, {"dpia_ref": False}, {"on_thermal": True}, R.FAIL,
     "temperature measurement"),
    ("dpia_declared", {}, {"covers_public_space": True, "dpia_ref": False}, {"on_public_space": True}, R.FAIL,
     "public space"),
    ("dpia_declared", {"analytics.rules": failed("analytics.rules")}, {}, {}, R.UNKNOWN,
     "analytics.rules"),
    ("banned_areas", {}, {"area": "toilet"}, {"areas": ["toilet", "changing_room"]}, R.FAIL,
     "camera watches a toilet"),
    ("banned_areas", {}, {"area": "entrance"}, {"areas": ["toilet"]}, R.PASS, "not a forbidden place"),
    ("banned_areas", {}, None, {"areas": ["toilet"]}, R.UNKNOWN, "not declared"),
    ("workplace_monitoring", {}, {}, {}, R.NOT_APPLICABLE, "area entrance is not a workplace"),
    ("workplace_monitoring", {}, {"area": "workplace", "sector": "office"}, {}, R.FAIL,
     "no serious, activity-specific reason declared (`workplace_reason`)"),
    ("workplace_monitoring", {}, {"area": "workplace", "workplace_reason": "explosives handling"}, {}, R.PASS,
     "explosives handling"),
    ("workplace_monitoring", {}, {"area": "corridor", "sector": "office"}, {"office_sector_areas": ["corridor"]},
     R.FAIL, "at their corridor"),
    ("workplace_monitoring", {}, {"area": "workplace", "sector": "bank"}, {"exempt_sectors": ["bank"]}, R.FAIL,
     "bank: workplace monitoring may be justified here"),
    ("workplace_monitoring", {}, None, {}, R.UNKNOWN, "not declared"),
    ("public_space_flag", {}, {}, {}, R.UNKNOWN, "may see the street: declare `covers_public_space"),
    ("public_space_flag", {}, {"covers_public_space": False}, {}, R.PASS, "declared not to cover public space"),
    ("public_space_flag", {}, {"area": "office_room"}, {}, R.PASS, "an interior place"),
    ("public_space_flag", {}, {"covers_public_space": True}, {}, R.FAIL, "covers public space with no end date"),
    ("public_space_flag", {}, {"area": "public_street", "end_date": "2027-06-30"}, {}, R.FAIL, "until 2027-06-30"),
    ("public_space_flag", {}, None, {}, R.UNKNOWN, "not declared"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_declaration_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)
