"""A declared camera heard but not read is that declaration's camera: named after it, never judged twice."""

from __future__ import annotations

from datetime import datetime

from probes.facts import DeviceFacts
from profiles import evaluate, load_profiles
from profiles.findings import Result, finding_uid
from profiles.unread import claim_unread
from tests.profiles.factbook import camera, decl, inventory

AT = datetime(2026, 11, 24, 10, 0)


def _unreachable(address: str, uuid: str | None = None) -> DeviceFacts:
    return DeviceFacts(device_id=f"uuid:{uuid}" if uuid else f"{address}:80", address=address, endpoint_uuid=uuid,
                       errors=["connection refused"])


def test_a_declared_address_nothing_answered_at_is_the_declared_camera() -> None:
    inv = inventory(decl(name="gate", match={"ip": "192.0.2.99"}))
    dead = _unreachable("192.0.2.99")
    ev = evaluate([], inv, load_profiles(["gdpr-baseline"]), at=AT)
    assert [f.device_id for f in ev.findings] == ["declared:gate"]  # what the evaluator alone says

    claim_unread(ev, [], [dead], inv)
    assert ev.matches == {dead.device_id: "gate"}
    (missing,) = ev.findings
    assert (missing.rule_id, missing.device_id, missing.device_name, missing.result) == (
        "GDPR-INV-2", dead.device_id, "gate", Result.FAIL)
    assert missing.uid == finding_uid(inv.site, dead.device_id, "GDPR-INV-2")  # the uid it has when it answers
    assert "heard at 192.0.2.99, not read: connection refused" in missing.message


def test_a_declaration_that_fits_a_judged_device_too_stays_ambiguous() -> None:
    twins = [camera(address="192.0.2.1", uuid="u-1"), camera(address="192.0.2.2", uuid="u-1", mac="00:11:22:33:44:56",
                                                             identity__serial="OTHER")]
    inv = inventory(decl(name="door", match={"uuid": "u-1"}))
    ev = evaluate(twins, inv, load_profiles(["gdpr-baseline"]), at=AT)
    before = [(f.uid, f.device_id, f.message) for f in ev.findings]

    claim_unread(ev, twins, [_unreachable("192.0.2.3", "u-1")], inv)
    assert ev.matches == {}
    assert [(f.uid, f.device_id, f.message) for f in ev.findings] == before


def test_a_declaration_already_matched_is_not_claimed_again() -> None:
    cam = camera(address="192.0.2.1", uuid="u-1")
    inv = inventory(decl(name="door", match={"ip": "192.0.2.1"}))
    ev = evaluate([cam], inv, load_profiles(["gdpr-baseline"]), at=AT)
    claim_unread(ev, [cam], [_unreachable("192.0.2.1", "u-2")], inv)
    assert ev.matches == {cam.device_id: "door"}
