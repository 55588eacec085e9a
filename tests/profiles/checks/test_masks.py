"""Minimisation and masking checks: GDPR-MIN-1, GR-STREET-1, CZ-PUBLIC-1."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import failed, run_case

AUDIO = {"media.audio_in_profiles": ["Profile_1"]}
PTZ = {"ptz.present": True, "ptz.tours": [{"token": "T1", "name": "patrol", "status": "Touring",
                                            "auto_start": False}]}
MASK = {"privacy.masks": [{"token": "M1", "type": "Blurred", "enabled": True, "points": 4}]}

DAY_SCHEDULE = {"recording.jobs": [{"token": "J1", "recording": "Recording_1", "mode": "Active", "schedule": "Day"}],
                "recording.schedules": [{"token": "Day", "name": "Day", "timezone": None, "special_days": False,
                                         "windows": {d: ["08:00-12:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}]}
IDLE = {"recording.jobs": [{"token": "J1", "recording": "Recording_1", "mode": "Idle", "schedule": None}],
        "recording.active": False}

CASES = [
    ("feature_minimisation", {}, {}, {}, R.PASS, "no unjustified audio or PTZ"),
    ("feature_minimisation", AUDIO, {}, {}, R.FAIL, "audio on (profiles Profile_1) without a declared justification"),
    ("feature_minimisation", PTZ, {}, {}, R.FAIL, "pan/tilt/zoom present without a declared justification"),
    ("feature_minimisation", {}, {"area": "perimeter"}, {}, R.FAIL, "view reaches beyond the premises (perimeter)"),
    ("feature_minimisation", MASK, {"area": "perimeter"}, {}, R.PASS, "masks where needed"),
    ("feature_minimisation", {}, {"covers_public_space": True}, {}, R.FAIL, "no privacy mask is enabled"),
    ("feature_minimisation", {"ptz.present": failed("ptz.present")}, {}, {}, R.UNKNOWN, "ptz.present"),
    ("feature_minimisation", {}, {"recording": False}, {}, R.FAIL, "declared as live view only"),
    ("feature_minimisation", {"recording.active": False}, {"recording": False}, {}, R.PASS, "no unjustified"),
    # operating hours: when the camera records (its schedule, else declared) against them over the coming week
    ("feature_minimisation", {}, {"operating_hours": {"weekdays": ["16:30-24:00", "00:00-07:30"]}}, {}, R.FAIL,
     "records outside its declared operating hours (continuously: recording job RecordingJob_1 follows no "
     "schedule): Tue 2026-11-24 07:30-16:30"),
    ("feature_minimisation", DAY_SCHEDULE, {"operating_hours": {"weekdays": ["08:00-12:00"]}}, {}, R.PASS,
     "no unjustified"),
    ("feature_minimisation", DAY_SCHEDULE, {"operating_hours": {"weekdays": ["09:00-12:00"]}}, {}, R.FAIL,
     "records outside its declared operating hours (schedule 'Day' (read)): Tue 2026-11-24 08:00-09:00"),
    ("feature_minimisation", IDLE, {"operating_hours": {"weekdays": ["16:30-24:00"]}}, {}, R.PASS, "no unjustified"),
    ("feature_minimisation", {"recording.jobs": failed("recording.jobs")},
     {"operating_hours": {"weekdays": ["16:30-24:00"]}}, {}, R.UNKNOWN, "fact `recording.jobs` is error"),
    ("feature_minimisation", {"recording.jobs": failed("recording.jobs")},
     {"operating_hours": {"weekdays": ["16:30-24:00"]}, "recording_schedule": {"weekdays": ["17:00-23:00"]}}, {},
     R.PASS, "no unjustified"),
    ("street_masked", {}, {"area": "entrance"}, {}, R.NOT_APPLICABLE, "does not face a street"),
    ("street_masked", {}, {"area": "perimeter", "sector": "factory"}, {}, R.FAIL, "adjacent roads and sidewalks"),
    ("street_masked", MASK, {"area": "perimeter"}, {}, R.PASS, "privacy masks enabled"),
    ("street_masked", {}, {"area": "atm lobby", "sector": "shop", "covers_public_space": True}, {}, R.PASS,
     "atm_vestibule: high-security place"),
    ("street_masked", {}, {"area": "perimeter", "sector": "bank"}, {}, R.PASS, "high-security site"),
    ("street_masked", {"privacy.masks": failed("privacy.masks")}, {"area": "perimeter"}, {}, R.UNKNOWN,
     "fact `privacy.masks` is error"),
    ("public_space_masked", {}, {}, {}, R.NOT_APPLICABLE, "not declared as covering public space"),
    ("public_space_masked", {}, {"covers_public_space": True}, {}, R.FAIL, "no privacy mask"),
    ("public_space_masked", MASK, {"covers_public_space": True}, {}, R.PASS, "limited by 1 privacy mask(s)"),
    ("public_space_masked", {"privacy.masks": failed("privacy.masks")}, {"area": "public_street"}, {}, R.UNKNOWN,
     "privacy.masks"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_masks_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)
