"""Security checks: GDPR-SEC-1 (access_security), CZ-ACC-1 (integrity_measures), GR-PBD-1 (privacy_by_design)."""

from __future__ import annotations

import pytest
from factbook import failed, run_case

from profiles.findings import Result as R

NO_HTTPS = {"network.protocols": [{"name": "HTTP", "enabled": True, "ports": [80]},
                                  {"name": "HTTPS", "enabled": False, "ports": [443]}]}
ANON = {"auth.anonymous_operations": ["GetDeviceInformation", "GetStreamUri"]}

CASES = [
    ("access_security", {}, {}, {}, R.PASS, "authentication required"),
    ("access_security", ANON, {}, {}, R.FAIL, "answers without credentials: GetDeviceInformation, GetStreamUri"),
    ("access_security", NO_HTTPS, {}, {}, R.FAIL, "HTTPS is not enabled"),
    ("access_security", NO_HTTPS, {}, {"require_tls": False}, R.PASS, "authentication required"),
    ("access_security", {"clock.skew_seconds": -900.0}, {}, {}, R.FAIL, "clock is -900 s off (tolerance 60 s)"),
    ("access_security", {"clock.skew_seconds": 100.0}, {}, {"max_clock_skew_s": 120}, R.PASS, "synchronised"),
    ("access_security", {"auth.anonymous_operations": failed("auth.anonymous_operations")}, {}, {}, R.UNKNOWN,
     "fact `auth.anonymous_operations` is error"),
    # a fail on what was observed wins over an unknown elsewhere
    ("access_security", {**ANON, "clock.skew_seconds": failed("clock.skew_seconds")}, {}, {}, R.FAIL,
     "answers without credentials"),
    ("integrity_measures", {}, {}, {}, R.PASS, "NTP time"),
    ("integrity_measures", {"clock.source": "Manual", "clock.skew_seconds": 600.0}, {}, {}, R.FAIL,
     "clock is set Manual instead of by NTP"),
    ("integrity_measures", {"media.osd_datetime": False}, {}, {}, R.FAIL, "no date/time overlay"),
    ("integrity_measures", {"media.osd_datetime": False}, {}, {"require_time_overlay": False}, R.PASS, "NTP"),
    ("integrity_measures", ANON, {}, {}, R.FAIL, "configuration readable without credentials"),
    ("integrity_measures", {"clock.source": failed("clock.source", "unsupported", "no such operation")}, {}, {},
     R.UNKNOWN, "fact `clock.source` is unsupported"),
    ("privacy_by_design", {}, {}, {}, R.PASS, "encrypted transport and access control"),
    ("privacy_by_design", NO_HTTPS, {}, {}, R.FAIL, "HTTPS disabled"),
    ("privacy_by_design", {}, {}, {"require_masks": True}, R.FAIL, "no privacy mask"),
    ("privacy_by_design", {"network.protocols": failed("network.protocols")}, {}, {}, R.UNKNOWN,
     "network.protocols"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_security_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)
