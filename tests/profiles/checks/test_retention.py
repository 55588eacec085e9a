"""Retention checks: pass, fail and unknown cases (GDPR-RET-1, CZ-RET-1, CZ-RET-2, GR-RET-1 ...)."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import failed, run_case

H = 3600


def rec(*seconds: int) -> dict:
    return {"recording.recordings": [{"token": f"Recording_{i}", "max_retention_seconds": s}
                                     for i, s in enumerate(seconds, 1)]}


NONE = {"recording.recordings": []}

CASES = [
    # retention_configured (GDPR-RET-1)
    ("retention_configured", rec(72 * H), {}, {}, R.PASS, "within the declared 3 days (72 h)"),
    ("retention_configured", rec(72 * H, 0), {}, {}, R.FAIL, "no maximum retention on Recording_2"),
    ("retention_configured", rec(0), {}, {}, R.FAIL, "no maximum retention on Recording_1"),
    ("retention_configured", rec(96 * H), {}, {}, R.FAIL, "longer than the declared 3 days (72 h)"),
    ("retention_configured", rec(24 * H), {"retention_hours": None}, {}, R.UNKNOWN, "`retention_hours` is missing"),
    ("retention_configured", {"recording.recordings": failed("recording.recordings")}, {}, {}, R.UNKNOWN,
     "fact `recording.recordings` is error"),
    # no recording on the camera and no recorder: footage may be kept for months elsewhere, never "n/a"
    ("retention_configured", NONE, {}, {}, R.UNKNOWN, "no recorder is declared (`recorders:`"),
    ("retention_configured", NONE, {"recording": False}, {}, R.NOT_APPLICABLE, "declared `recording: false`"),
    ("retention_bounded", NONE, {}, {}, R.UNKNOWN, "stores no recordings of its own"),
    # retention_justified (CZ-RET-1)
    ("retention_justified", rec(72 * H), {}, {}, R.PASS, "within 3 days (72 h)"),
    ("retention_justified", rec(7 * 24 * H), {}, {}, R.FAIL, "no `retention_justification`"),
    ("retention_justified", rec(7 * 24 * H), {"retention_justification": "weekly review"}, {}, R.PASS,
     "justified: weekly review"),
    ("retention_justified", rec(100 * H), {}, {"limit_hours": 120}, R.PASS, "within 5 days (120 h)"),
    ("retention_justified", {"recording.recordings": failed("recording.recordings", reason="SOAP fault")}, {}, {},
     R.UNKNOWN, "SOAP fault"),
    # a retention declared on the camera says nothing about where it is kept: declare the recorder
    ("retention_justified", NONE, {"retention_hours": 240}, {}, R.UNKNOWN, "no recorder is declared"),
    ("retention_justified", NONE, {"recording": False}, {}, R.NOT_APPLICABLE, "nothing is recorded"),
    # retention_bounded (CZ-RET-2)
    ("retention_bounded", rec(72 * H), {}, {}, R.PASS, "maximum retention 3 days (72 h)"),
    ("retention_bounded", rec(0), {}, {}, R.FAIL, "kept until the disk is full"),
    ("retention_bounded", {"recording.recordings": failed("recording.recordings")}, {}, {}, R.UNKNOWN,
     "recording.recordings"),
    # retention_limit (GR-RET-1 / GR-RES-1 / GR-BANK-1)
    ("retention_limit", rec(48 * H), {}, {"max_hours": 48}, R.PASS, "within the maximum of 2 days (48 h)"),
    ("retention_limit", rec(60 * 24 * H), {}, {"max_hours": 1080}, R.FAIL,
     "maximum retention 60 days (1440 h) exceeds the maximum of 45 days (1080 h)"),
    ("retention_limit", rec(0), {}, {"max_hours": 504}, R.FAIL, "exceeds the maximum"),
    ("retention_limit", rec(600 * H), {"sector": "bank"}, {"max_hours": 504, "exempt_sectors": ["bank"]},
     R.NOT_APPLICABLE, "bank has its own retention limit"),
    ("retention_limit", {"recording.recordings": failed("recording.recordings", "denied", "NotAuthorized")}, {},
     {"max_hours": 48}, R.UNKNOWN, "is denied"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_retention_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)


def test_retention_limit_requires_max_hours() -> None:
    from pydantic import ValidationError

    from profiles.checks import REGISTRY

    with pytest.raises(ValidationError):
        REGISTRY["retention_limit"].validate_params({})
