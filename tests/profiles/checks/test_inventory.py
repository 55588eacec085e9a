"""Inventory checks: GDPR-INV-1 (declared_in_inventory) and GDPR-INV-2 (declared_identity)."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import camera, decl, failed, judge, judge_missing, run_case

CASES = [
    ("declared_in_inventory", {}, {}, {}, R.PASS, "declared as 'cam'"),
    ("declared_in_inventory", {}, None, {}, R.FAIL, "is on the network but not in the site inventory"),
    ("declared_identity", {}, {}, {}, R.PASS, "no expected model, serial or firmware declared"),
    ("declared_identity", {}, {"expected_model": "P3245-LVE", "expected_firmware": "10.12.114"}, {}, R.PASS,
     "matches the declared model, firmware"),
    ("declared_identity", {}, {"expected_model": "AXIS P3245"}, {}, R.PASS, "matches the declared model"),
    ("declared_identity", {}, {"expected_firmware": "10.12.200"}, {}, R.FAIL,
     "firmware is '10.12.114', declared '10.12.200'"),
    ("declared_identity", {}, {"expected_model": "Q6135-LE"}, {}, R.FAIL, "model is 'P3245-LVE', declared 'Q6135-LE'"),
    ("declared_identity", {}, {"expected_serial": "XYZ"}, {}, R.FAIL, "serial is 'ACCC8E000050', declared 'XYZ'"),
    ("declared_identity", {}, {"expected_firmware": "10.12.200"}, {"compare_firmware": False}, R.PASS,
     "no expected model"),
    ("declared_identity", {"identity.firmware": failed("identity.firmware", "denied", "NotAuthorized")},
     {"expected_firmware": "10.12.114"}, {}, R.UNKNOWN, "fact `identity.firmware` is denied"),
    ("declared_identity", {}, None, {}, R.NOT_APPLICABLE, "not declared"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_inventory_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)


def test_declared_camera_not_found() -> None:
    outcome = judge_missing("declared_identity", decl(name="lobby-old", match={"ip": "192.0.2.99"}))
    assert outcome.result is R.FAIL
    assert "declared camera 'lobby-old' was not found" in outcome.message
    assert "ip=192.0.2.99" in outcome.message


def test_ambiguous_device_names_the_reason() -> None:
    outcome = judge("declared_in_inventory", camera(), None, note="fits several declarations: a, b")
    assert outcome.result is R.FAIL
    assert "fits several declarations: a, b" in outcome.message
