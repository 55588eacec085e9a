"""PTZ checks: CZ-MIN-1 (ptz_minimised) and GR-PTZ-1 (ptz_supervised)."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import failed, run_case

PTZ = {"ptz.present": True, "ptz.tours": [{"token": "T1", "name": "patrol", "status": "Touring",
                                            "auto_start": False}]}
MASK = {"privacy.masks": [{"token": "M1", "type": "Blurred", "enabled": True, "points": 4}]}

CASES = [
    ("ptz_minimised", {}, {}, {}, R.PASS, "fixed camera"),
    ("ptz_minimised", PTZ, {}, {}, R.FAIL, "moves on its own (preset tour 'patrol' (Touring))"),
    ("ptz_minimised", PTZ, {"ptz": {"reason": "large yard, operator follows intruders"}}, {}, R.PASS,
     "pan/tilt/zoom justified"),
    ("ptz_minimised", {"ptz.present": failed("ptz.present")}, {}, {}, R.UNKNOWN, "fact `ptz.present` is error"),
    ("ptz_supervised", {}, {}, {}, R.NOT_APPLICABLE, "fixed camera"),
    ("ptz_supervised", PTZ, {}, {}, R.FAIL, "PTZ camera: no privacy mask limits the view"),
    ("ptz_supervised", PTZ, {"realtime_monitoring": False}, {}, R.FAIL,
     "declared without a real-time operator (`realtime_monitoring: false`); no privacy mask limits the view"),
    ("ptz_supervised", {**PTZ, **MASK}, {}, {}, R.UNKNOWN, "whether an operator watches live is not declared"),
    ("ptz_supervised", {**PTZ, **MASK}, {"realtime_monitoring": True}, {}, R.PASS, "watched live"),
    ("ptz_supervised", {**PTZ, "privacy.masks": failed("privacy.masks", "unsupported", "Media1 only")},
     {"realtime_monitoring": True}, {}, R.UNKNOWN, "fact `privacy.masks` is unsupported"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_ptz_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)
