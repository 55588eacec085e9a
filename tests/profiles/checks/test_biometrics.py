"""Biometric and smart-analytics checks: CZ-BIO-1, GDPR-ART9-1, NL-FRT-1, CZ-ADM-1, FR-SMART-1."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import failed, run_case

FACE = {"analytics.biometric": ["tt:FaceRecognition"],
        "analytics.rules": [{"name": "Watchlist", "type": "tt:FaceRecognition"}]}
PLATE = {"analytics.rules": [{"name": "Gate", "type": "tt:LicensePlateRecognition"}]}
LINE = {"analytics.rules": [{"name": "Fence", "type": "tt:LineDetector"}]}
THERMAL = {"thermal.radiometry": True}
JUSTIFIED = {"biometrics": {"reason": "access to the vault for 12 named staff"}, "balancing_test_ref": "PT-7"}

CASES = [
    ("biometrics_justified", {}, {}, {}, R.PASS, "no biometric analytics configured"),
    ("biometrics_justified", FACE, {}, {}, R.FAIL, "without a `biometrics` justification"),
    ("biometrics_justified", FACE, {"biometrics": False}, {}, R.FAIL, "without a `biometrics` justification"),
    ("biometrics_justified", FACE, {"biometrics": {"reason": "vault access"}, "balancing_test_ref": None}, {},
     R.UNKNOWN, "whether a proportionality test exists is not declared"),
    ("biometrics_justified", FACE, {"biometrics": {"reason": "vault access"}, "balancing_test_ref": False}, {},
     R.FAIL, "a proportionality test (declared `balancing_test_ref: false`)"),
    ("biometrics_justified", FACE, {"biometrics": False, "balancing_test_ref": False}, {},
     R.FAIL, "without a `biometrics` justification and a proportionality test"),
    ("biometrics_justified", FACE, {"biometrics": {"reason": "vault access"}, "balancing_test_ref": None},
     {"require_balancing_test": False}, R.PASS, "justified: vault access"),
    ("biometrics_justified", FACE, JUSTIFIED, {}, R.PASS, "justified"),
    ("biometrics_justified", {"analytics.rules": failed("analytics.rules")}, {}, {}, R.UNKNOWN,
     "fact `analytics.rules` is error"),
    ("special_category_ground", {}, {}, {}, R.NOT_APPLICABLE, "no biometric or health data observed"),
    ("special_category_ground", FACE, {}, {}, R.FAIL, "without a declared art 9(2) ground"),
    ("special_category_ground", FACE, {"biometric_ground": "legitimate_interest"}, {}, R.FAIL,
     "declared ground 'legitimate_interest' is not an art 9(2) exception"),
    ("special_category_ground", FACE, {"biometric_ground": "explicit_consent"}, {}, R.PASS,
     "art 9(2) ground 'explicit_consent'"),
    ("special_category_ground", THERMAL, {}, {}, R.FAIL, "body temperature (radiometric thermal camera)"),
    ("special_category_ground", THERMAL, {"thermal_legal_framework": "Act 12/2020"}, {}, R.PASS, "Act 12/2020"),
    ("special_category_ground", {"thermal.radiometry": failed("thermal.radiometry")}, {}, {}, R.UNKNOWN,
     "fact `thermal.radiometry` is error"),
    ("special_category_ground", {**FACE, "thermal.radiometry": failed("thermal.radiometry")}, {}, {}, R.FAIL,
     "biometric analytics"),
    ("facial_recognition_exception", {}, {}, {}, R.NOT_APPLICABLE, "no facial recognition configured"),
    ("facial_recognition_exception", FACE, {}, {}, R.FAIL, "no `biometric_ground` declared"),
    ("facial_recognition_exception", FACE, {"biometric_ground": "substantial_public_interest"}, {}, R.FAIL,
     "protecting property is not a substantial public interest"),
    ("facial_recognition_exception", FACE, {"biometric_ground": "substantial_public_interest",
                                            "purposes": ["access_control", "safety_of_persons"]}, {}, R.PASS,
     "under exception 'substantial_public_interest'"),
    ("facial_recognition_exception", FACE, {"biometric_ground": "explicit_consent"}, {}, R.PASS, "explicit_consent"),
    ("facial_recognition_exception", {"analytics.modules": failed("analytics.modules")}, {}, {}, R.UNKNOWN,
     "analytics.modules"),
    ("facial_recognition_exception", FACE, {"biometric_ground": None}, {}, R.FAIL,
     "no `biometric_ground` declared; only explicit_consent or substantial_public_interest can make it lawful; "
     "protecting property is not a substantial public interest"),
    ("automated_decisions_justified", {}, {}, {}, R.PASS, "no identifying or profiling analytics"),
    ("automated_decisions_justified", PLATE, {}, {}, R.FAIL, "automated identification (tt:LicensePlateRecognition"),
    ("automated_decisions_justified", PLATE, {"human_review": True}, {}, R.PASS, "covered by the proportionality"),
    ("automated_decisions_justified", FACE, {"balancing_test_ref": None, "human_review": True}, {}, R.UNKNOWN,
     "whether a proportionality test exists is not declared"),
    ("automated_decisions_justified", FACE, {"balancing_test_ref": False, "human_review": True}, {}, R.FAIL,
     "a proportionality test (declared `balancing_test_ref: false`)"),
    ("automated_decisions_justified", {"analytics.rules": failed("analytics.rules")}, {}, {}, R.UNKNOWN,
     "analytics.rules"),
    ("smart_camera_limits", FACE, {"sector": "office", "area": "entrance"}, {}, R.NOT_APPLICABLE,
     "not a public or publicly accessible place"),
    ("smart_camera_limits", FACE, {"sector": "shop"}, {}, R.FAIL, "identify or track individuals"),
    ("smart_camera_limits", LINE, {"sector": "shop"}, {}, R.UNKNOWN, "no limited lifetime declared (`end_date`"),
    ("smart_camera_limits", LINE, {"sector": "shop", "end_date": False, "anonymisation": False}, {}, R.FAIL,
     "declared without an end date (`end_date: false`); declared without anonymisation"),
    ("smart_camera_limits", LINE, {"sector": "shop", "end_date": "2026-01-31", "anonymisation": True}, {}, R.FAIL,
     "its declared end date 2026-01-31 has passed"),
    ("smart_camera_limits", LINE, {"sector": "shop", "end_date": "2027-01-31", "anonymisation": True}, {}, R.PASS,
     "limited to 2027-01-31, anonymised"),
    ("smart_camera_limits", {}, {"covers_public_space": True}, {}, R.PASS, "no smart analytics"),
    ("smart_camera_limits", {"analytics.rules": failed("analytics.rules")}, {"sector": "mall"}, {},
     R.UNKNOWN, "analytics.rules"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_biometric_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)
