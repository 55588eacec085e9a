"""The evaluator: stamping, applies_to, manual attestations, waivers, crashing checks, rule merging."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from profiles import effective_rules, evaluate, load_profiles
from profiles.checks import REGISTRY, CheckSpec, NoParams
from profiles.findings import Result, Severity, finding_uid
from profiles.inventory import Waiver
from tests.profiles.factbook import TUESDAY_10, camera, decl, inventory

RET = {"recording.recordings": [{"token": "R1", "max_retention_seconds": 7 * 24 * 3600}]}


def profile(tmp_path: Path, rules: str, extends: str = "[]", pid: str = "test-profile") -> Path:
    path = tmp_path / f"{pid}.yaml"
    path.write_text(textwrap.dedent(f"""\
        id: {pid}
        title: Test profile
        source: tests
        jurisdiction: EU
        version: "1"
        extends: {extends}
        rules:
        """) + textwrap.indent(textwrap.dedent(rules), "  "), encoding="utf-8")
    return path


RET_RULE = """\
- id: T-RET-1
  check: retention_justified
  severity: medium
  title: Retention justified
  reference: {source: T, article: "1"}
  remediation: shorten it
"""


def one(evaluation, rule_id: str, device_id: str | None = None):  # type: ignore[no-untyped-def]
    found = [f for f in evaluation.findings if f.rule_id == rule_id and (device_id is None or f.device_id == device_id)]
    assert len(found) == 1, found
    return found[0]


def test_engine_stamps_findings(tmp_path: Path) -> None:
    [prof] = load_profiles([str(profile(tmp_path, RET_RULE))])
    cam = camera(facts=RET)
    ev = evaluate([cam], inventory(decl(name="door")), [prof], at=TUESDAY_10)
    f = one(ev, "T-RET-1")
    assert (f.result, f.severity, f.profile, f.check, f.device_id, f.device_name) == (
        Result.FAIL, Severity.MEDIUM, "test-profile", "retention_justified", cam.device_id, "door")
    assert f.uid == finding_uid("test-site", cam.device_id, "T-RET-1")
    assert f.reference.source == "T" and f.remediation == "shorten it" and f.evaluated_at == TUESDAY_10
    assert {e.key for e in f.evidence} >= {"recording.recordings", "declaration.retention_justification"}
    assert ev.matches == {cam.device_id: "door"}


def test_naive_at_is_site_local_time(tmp_path: Path) -> None:
    [prof] = load_profiles([str(profile(tmp_path, RET_RULE))])
    ev = evaluate([camera()], inventory(decl()), [prof], at=datetime(2026, 11, 24, 10, 0))
    assert ev.at == TUESDAY_10


def test_applies_to_filters_by_declared_sector(tmp_path: Path) -> None:
    rules = RET_RULE + "  applies_to: {sectors: [bank], classes: [2, 3]}\n"
    [prof] = load_profiles([str(profile(tmp_path, rules))])
    bank, shop = camera(uuid="u-bank", facts=RET), camera(uuid="u-shop", facts=RET, address="127.0.10.51")
    rogue = camera(uuid="u-rogue", address="127.0.10.52")
    inv = inventory(decl(name="bank", match={"uuid": "u-bank"}, sector="bank"),
                    decl(name="shop", match={"uuid": "u-shop"}, sector="shop"))
    ev = evaluate([bank, shop, rogue], inv, [prof], at=TUESDAY_10)
    assert one(ev, "T-RET-1", "uuid:u-bank").result is Result.FAIL
    shop_f = one(ev, "T-RET-1", "uuid:u-shop")
    assert shop_f.result is Result.NOT_APPLICABLE and "sector shop is not one of bank" in shop_f.message
    rogue_f = one(ev, "T-RET-1", "uuid:u-rogue")
    assert rogue_f.result is Result.UNKNOWN and "not declared" in rogue_f.message


def test_site_sector_is_the_default(tmp_path: Path) -> None:
    rules = RET_RULE + "  applies_to: {sectors: [bank]}\n"
    [prof] = load_profiles([str(profile(tmp_path, rules))])
    ev = evaluate([camera(facts=RET)], inventory(decl(), sector="bank"), [prof], at=TUESDAY_10)
    assert one(ev, "T-RET-1").result is Result.FAIL


MANUAL = """\
- id: T-SIGN-1
  manual: {attestation: signage}
  severity: low
  title: Signs are up
  reference: {source: T, article: "2"}
- id: T-WX-1
  manual: {attestation: weather_protection}
  severity: low
  title: Covers fitted
  reference: {source: T, article: "3"}
- id: T-RIGHTS-1
  manual: {attestation: rights_procedures, scope: site}
  severity: low
  title: Procedures exist
  reference: {source: T, article: "4"}
"""


@pytest.mark.parametrize(("fields", "site", "expected"), [
    ({"signage": True, "attestations": {"weather_protection": True}}, {"rights_procedures": True},
     {"T-SIGN-1": Result.PASS, "T-WX-1": Result.PASS, "T-RIGHTS-1": Result.PASS}),
    ({"signage": None}, {}, {"T-SIGN-1": Result.MANUAL, "T-WX-1": Result.MANUAL, "T-RIGHTS-1": Result.MANUAL}),
    ({"signage": False, "attestations": {"weather_protection": False}}, {"rights_procedures": False},
     {"T-SIGN-1": Result.FAIL, "T-WX-1": Result.FAIL, "T-RIGHTS-1": Result.FAIL}),
    ({"signage": None}, {"weather_protection": True},  # a site-wide attestation covers every camera
     {"T-SIGN-1": Result.MANUAL, "T-WX-1": Result.PASS, "T-RIGHTS-1": Result.MANUAL}),
])
def test_manual_rules_use_attestations(tmp_path: Path, fields, site, expected) -> None:
    [prof] = load_profiles([str(profile(tmp_path, MANUAL))])
    ev = evaluate([camera()], inventory(decl(**fields), attestations=site), [prof], at=TUESDAY_10)
    got = {f.rule_id: f.result for f in ev.findings}
    assert got == expected
    assert one(ev, "T-RIGHTS-1").device_id == "site"
    if expected["T-SIGN-1"] is Result.MANUAL:
        assert "attest it with `signage`" in one(ev, "T-SIGN-1").message


def _waived(tmp_path: Path, waiver: dict, at: datetime = TUESDAY_10):  # type: ignore[no-untyped-def]
    [prof] = load_profiles([str(profile(tmp_path, RET_RULE))])
    inv = inventory(decl(name="door"), waivers=[Waiver.model_validate(waiver)])
    return one(evaluate([camera(facts=RET)], inv, [prof], at=at), "T-RET-1")


WAIVER = {"rule": "T-RET-1", "devices": {"name": "door"}, "justification": "agreed with the works council",
          "approver": "DPO J. Novak", "expires": "2026-12-31"}


def test_valid_waiver_keeps_the_finding_marked_waived(tmp_path: Path) -> None:
    f = _waived(tmp_path, WAIVER)
    assert f.result is Result.WAIVED
    assert f.waiver is not None and not f.waiver.expired and f.waiver.expires == date(2026, 12, 31)
    assert "waived until 2026-12-31 by DPO J. Novak" in f.message
    assert "no `retention_justification`" in f.message  # the original verdict stays readable


def test_expired_waiver_does_not_apply(tmp_path: Path) -> None:
    f = _waived(tmp_path, {**WAIVER, "expires": "2026-11-23"})
    assert f.result is Result.FAIL
    assert f.waiver is not None and f.waiver.expired
    assert "expired on 2026-11-23" in f.message


def test_waiver_valid_through_its_expiry_day_in_site_time(tmp_path: Path) -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("Europe/Prague"))
    assert _waived(tmp_path, WAIVER, at=late).result is Result.WAIVED
    after = datetime(2027, 1, 1, 0, 30, tzinfo=ZoneInfo("Europe/Prague"))  # still Dec 31st in UTC
    assert _waived(tmp_path, WAIVER, at=after).result is Result.FAIL


@pytest.mark.parametrize(("devices", "applies"), [
    (None, True), ({"uuid": "00000000-0000-4000-8000-000000000050"}, True), ({"ip": "127.0.10.50"}, True),
    ({"mac": "00:11:22:33:44:55"}, True), ({"name": "other"}, False), ({"ip": "192.0.2.1"}, False),
])
def test_waiver_device_selectors(tmp_path: Path, devices, applies) -> None:
    f = _waived(tmp_path, {**WAIVER, "devices": devices})
    assert f.result is (Result.WAIVED if applies else Result.FAIL)


def test_waiver_for_another_rule_or_a_passing_finding_changes_nothing(tmp_path: Path) -> None:
    assert _waived(tmp_path, {**WAIVER, "rule": "T-OTHER-1"}).result is Result.FAIL
    [prof] = load_profiles([str(profile(tmp_path, RET_RULE))])
    inv = inventory(decl(name="door"), waivers=[Waiver.model_validate(WAIVER)])
    f = one(evaluate([camera()], inv, [prof], at=TUESDAY_10), "T-RET-1")
    assert f.result is Result.PASS and f.waiver is None


def test_crashing_check_becomes_error_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(ctx):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("division by zero in a check")

    monkeypatch.setitem(REGISTRY, "exploding_check", CheckSpec("exploding_check", boom, NoParams, "explodes"))
    rules = RET_RULE + RET_RULE.replace("T-RET-1", "T-BOOM-1").replace("retention_justified", "exploding_check")
    [prof] = load_profiles([str(profile(tmp_path, rules))])
    ev = evaluate([camera(facts=RET)], inventory(decl()), [prof], at=TUESDAY_10)
    boom_f = one(ev, "T-BOOM-1")
    assert boom_f.result is Result.ERROR
    assert "ZeroDivisionError: division by zero in a check" in boom_f.message
    assert one(ev, "T-RET-1").result is Result.FAIL  # the other rules still ran


def test_declared_but_missing_cameras_only_get_inventory_rules() -> None:
    ev = evaluate([], inventory(decl(name="gone", match={"ip": "192.0.2.99"})), load_profiles(["gdpr-baseline"]),
                  at=TUESDAY_10)
    assert [(f.rule_id, f.device_id, f.result) for f in ev.findings] == [
        ("GDPR-INV-2", "declared:gone", Result.FAIL)]


def test_override_in_a_child_wins_and_unrelated_definitions_conflict(tmp_path: Path) -> None:
    base = profile(tmp_path, RET_RULE, pid="base-p")
    child = profile(tmp_path, "- id: T-RET-1\n  params: {limit_hours: 200}\n", extends="[base-p.yaml]", pid="child-p")
    sibling = profile(tmp_path, "- id: T-RET-1\n  params: {limit_hours: 10}\n", extends="[base-p.yaml]",
                      pid="sibling-p")
    base_p, child_p, sibling_p = load_profiles([str(base), str(child), str(sibling)])
    rules, warnings = effective_rules([base_p, child_p])
    assert [(r.id, r.profile, r.params.limit_hours) for r in rules] == [("T-RET-1", "child-p", 200)]
    assert warnings == []
    rules, warnings = effective_rules([child_p, base_p])  # order does not matter for an override
    assert rules[0].profile == "child-p"
    rules, warnings = effective_rules([child_p, sibling_p])
    assert rules[0].profile == "child-p" and "defined differently by child-p and sibling-p" in warnings[0]
    ev = evaluate([camera(facts=RET)], inventory(decl()), [base_p, child_p], at=TUESDAY_10)
    assert one(ev, "T-RET-1").result is Result.PASS  # 168 h within the child's 200 h


def test_shipped_profiles_share_the_baseline_once() -> None:
    profs = load_profiles(["cz-uoou-2024", "gr-hdpa-1-2011", "gdpr-baseline"])
    rules, warnings = effective_rules(profs)
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids)) and ids.count("GDPR-SEC-1") == 1 and not warnings


def test_fast_findings_equal_validated_ones(tmp_path: Path) -> None:
    """The engine builds findings without re-validation; they must be indistinguishable from validated ones."""
    from profiles.findings import Finding

    [prof] = load_profiles([str(profile(tmp_path, RET_RULE + MANUAL))])
    inv = inventory(decl(name="door"), waivers=[Waiver.model_validate(WAIVER)])
    ev = evaluate([camera(facts=RET)], inv, [prof], at=TUESDAY_10)
    assert len(ev.findings) == 4
    for f in ev.findings:
        again = Finding.model_validate(f.model_dump())
        assert again == f
        assert again.model_dump_json() == f.model_dump_json()
        assert Finding.model_validate_json(f.model_dump_json()) == f


def test_placeholder_declarations_are_not_judged(tmp_path: Path) -> None:
    """Fields `camaudit init` guessed (listed in `placeholders`) make the rules that read them unknown."""
    rules = RET_RULE + RET_RULE.replace("T-RET-1", "T-BANK-1") + "  applies_to: {sectors: [bank]}\n"
    rules += RET_RULE.replace("T-RET-1", "T-AREA-1").replace("retention_justified", "class_from_area")
    [prof] = load_profiles([str(profile(tmp_path, rules))])
    guessed = decl(sector="bank", area="workplace", placeholders=["class", "sector"])
    ev = evaluate([camera(facts=RET)], inventory(guessed), [prof], at=TUESDAY_10)
    assert one(ev, "T-RET-1").result is Result.FAIL  # retention does not depend on the guessed fields
    bank = one(ev, "T-BANK-1")
    assert bank.result is Result.UNKNOWN and "sector of 'cam' are still placeholders" in bank.message
    area = one(ev, "T-AREA-1")
    assert area.result is Result.UNKNOWN and "`class` of camera 'cam' is still a placeholder" in area.message
