"""Pixel-density checks: CZ-PD-1 (personal_data_threshold) and CZ-MIN-2 (resolution_fits_purpose)."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import failed, run_case

HD = {"media.max_resolution": {"width": 1920, "height": 1080}}
GEO = {"geometry": {"distance_m": 10, "hfov_deg": 90}}  # 1920 px over 20 m = 96 px/m (observation)

CASES = [
    # pixel density: 1920 px at 10 m with 90 degrees = 96 px/m (observation)
    ("personal_data_threshold", HD, GEO, {}, R.PASS, "96 px/m at the declared distance (observation): personal data"),
    ("personal_data_threshold", {"media.max_resolution": {"width": 320, "height": 240}}, GEO, {}, R.PASS,
     "16 px/m at the declared distance (monitoring): below the personal-data threshold"),
    ("personal_data_threshold", HD, {**GEO, "needed_view": "monitoring"}, {}, R.FAIL,
     "declared as monitoring only, but 96 px/m (observation)"),
    ("personal_data_threshold", HD, {}, {}, R.UNKNOWN, "`geometry` is missing"),
    ("personal_data_threshold", {"media.max_resolution": failed("media.max_resolution")}, GEO, {}, R.UNKNOWN,
     "fact `media.max_resolution` is error"),
    ("resolution_fits_purpose", HD, {**GEO, "needed_view": "observation"}, {}, R.PASS, "fitting the declared need"),
    ("resolution_fits_purpose", HD, {**GEO, "needed_view": "detection"}, {}, R.PASS, "reaches observation"),
    ("resolution_fits_purpose", {"media.max_resolution": {"width": 3840, "height": 2160}},
     {**GEO, "needed_view": "detection"}, {}, R.FAIL,
     "192 px/m reaches recognition, but the purpose needs only detection"),
    ("resolution_fits_purpose", HD, {**GEO, "needed_view": "identification"}, {}, R.FAIL,
     "reaches only observation; the declared purpose needs identification"),
    ("resolution_fits_purpose", HD, GEO, {}, R.UNKNOWN, "`needed_view` is missing"),
    ("resolution_fits_purpose", {"media.max_resolution": failed("media.max_resolution", "denied", "401")},
     {**GEO, "needed_view": "detection"}, {}, R.UNKNOWN, "is denied"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_pixel_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)
