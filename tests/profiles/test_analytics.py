"""Analytics classification through the evaluator: every listed module/rule type (ONVIF and vendors, each row
citing the documentation it comes from in profiles/data/reference/analytics.yaml), modules and rules alike,
with pass, fail and unknown rows for the rule families that depend on analytics."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from profiles import evaluate, load_profiles
from profiles.analytics import Capability, classify, table
from profiles.findings import Result as R
from tests.profiles.factbook import camera, decl, failed, inventory

AT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
PROFILES = load_profiles(["fr-cnil-2020", "cz-uoou-2024", "nl-ap-frt"])
LIMITED = {"sector": "shop", "area": "sales_floor", "end_date": "2027-06-30", "anonymisation": True,
           "dpia_ref": "DPIA-1"}


def _finding(facts: dict, fields: dict, rule_id: str):  # type: ignore[no-untyped-def]
    declaration = decl(**fields)
    evaluation = evaluate([camera(facts=facts)], inventory(declaration), PROFILES, at=AT)
    [found] = [f for f in evaluation.findings if f.rule_id == rule_id]
    return found


def _as(kind: str, type_: str) -> dict:
    key = "analytics.modules" if kind == "module" else "analytics.rules"
    return {key: [{"name": "X", "type": type_}]}


LISTED = [(e.type, e.kind, e.capability, table().sources[e.source]) for e in table().types]


def test_every_listed_type_cites_its_documentation() -> None:
    for type_, _kind, _cap, source in LISTED:
        assert len(source) > 20, type_
    covered = {c for _t, _k, c, _s in LISTED}
    assert covered >= {Capability.MOTION, Capability.TAMPER, Capability.LINE_CROSSING, Capability.OBJECT_DETECTION,
                       Capability.PEOPLE_COUNTING, Capability.FACE_DETECTION, Capability.OBJECT_TRACKING,
                       Capability.FACE_RECOGNITION, Capability.PLATE_RECOGNITION}


@pytest.mark.parametrize(("type_", "kind", "capability", "source"), LISTED)
def test_fr_smart_1_for_every_listed_type(type_: str, kind: str, capability: Capability, source: str) -> None:
    """FR-SMART-1 in a shop with an end date and anonymisation: tracking fails, other smart analytics pass
    under their guarantees, motion/tamper are not smart at all."""
    info = table().capabilities[capability]
    finding = _finding(_as(kind, type_), LIMITED, "FR-SMART-1")
    if info.tracks:
        assert finding.result is R.FAIL and "track individuals" in finding.message, finding.message
        assert type_ in finding.message
    elif info.smart:
        assert finding.result is R.PASS and f"{type_} ({capability})" in finding.message, finding.message
    else:
        assert finding.result is R.PASS and "no smart analytics" in finding.message, finding.message


@pytest.mark.parametrize(("type_", "kind", "capability", "source"),
                         [row for row in LISTED if table().capabilities[row[2]].biometric])
def test_biometric_types_reach_the_biometric_rules(type_: str, kind: str, capability: Capability,
                                                   source: str) -> None:
    for rule in ("CZ-BIO-1", "NL-FRT-1", "CZ-CLASS-1"):
        finding = _finding(_as(kind, type_), {"class_": 2, "biometric_ground": None}, rule)
        assert finding.result is R.FAIL and type_ in finding.message, (rule, finding.message)


@pytest.mark.parametrize(("facts", "fields", "rule", "result", "texts"), [
    # the case: an Axis object-tracker *module* and an expired end date: both reasons
    ({"analytics.modules": [{"name": "Tracker", "type": "axis:ObjectTracker"}]},
     {**LIMITED, "end_date": "2026-01-31"}, "FR-SMART-1", R.FAIL,
     ["track individuals (axis:ObjectTracker (object_tracking))", "its declared end date 2026-01-31 has passed"]),
    # a vendor prefix the table does not list, same local name: same capability
    ({"analytics.modules": [{"name": "Tracker", "type": "tnsaxis:ObjectTracker"}]}, LIMITED, "FR-SMART-1",
     R.FAIL, ["tnsaxis:ObjectTracker (object_tracking)"]),
    # keyword only raises sensitivity: an unlisted face-recognition engine is face recognition
    ({"analytics.modules": [{"name": "F", "type": "hikxsd:FaceRecognitionEngine"}]}, {"class_": 2}, "CZ-BIO-1",
     R.FAIL, ["hikxsd:FaceRecognitionEngine (face_recognition)"]),
    # an unknown vendor type: the capability is unknown, never "none"
    ({"analytics.rules": [{"name": "V", "type": "dahua:SmartMotionDetection"}]}, LIMITED, "FR-SMART-1",
     R.UNKNOWN, ["dahua:SmartMotionDetection", "not in camaudit's classification"]),
    ({"analytics.rules": [{"name": "V", "type": "dahua:SmartMotionDetection"}]}, {"class_": 2}, "CZ-BIO-1",
     R.UNKNOWN, ["dahua:SmartMotionDetection"]),
    ({"analytics.rules": [{"name": "V", "type": "dahua:SmartMotionDetection"}]}, {"class_": 2}, "NL-FRT-1",
     R.UNKNOWN, ["dahua:SmartMotionDetection"]),
    # Bosch's VCA engine module: motion only or object tracking depending on a parameter not read -> unknown
    ({"analytics.modules": [{"name": "Viproc", "type": "tt:Viproc"}]}, LIMITED, "FR-SMART-1", R.UNKNOWN,
     ["tt:Viproc"]),
    # unknown type next to an observed tracker: the observed tracking still fails
    ({"analytics.rules": [{"name": "V", "type": "dahua:Foo"}, {"name": "L", "type": "tt:LoiteringDetector"}]},
     LIMITED, "FR-SMART-1", R.FAIL, ["tt:LoiteringDetector (object_tracking)"]),
    # lists not read: unknown, naming the fact
    ({"analytics.modules": failed("analytics.modules")}, LIMITED, "FR-SMART-1", R.UNKNOWN, ["analytics.modules"]),
    # smart analytics, guarantees declared "no"
    ({"analytics.rules": [{"name": "L", "type": "tt:LineCounting"}]},
     {**LIMITED, "end_date": False, "anonymisation": False}, "FR-SMART-1", R.FAIL,
     ["declared without an end date", "declared without anonymisation"]),
    # smart analytics, guarantees not declared yet: unknown
    ({"analytics.rules": [{"name": "L", "type": "tt:LineCounting"}]}, {"sector": "shop", "area": "sales_floor"},
     "FR-SMART-1", R.UNKNOWN, ["no limited lifetime declared", "anonymisation not declared"]),
    # no analytics but declared a smart camera (analysis in the VMS): the guarantees apply
    ({}, {"sector": "shop", "area": "sales_floor", "smart_camera": True, "end_date": "2026-01-31",
          "anonymisation": True}, "FR-SMART-1", R.FAIL, ["declared smart camera", "2026-01-31 has passed"]),
    # publicly accessible declared explicitly: an office lobby becomes public; `false` takes a shop area out
    ({"analytics.rules": [{"name": "L", "type": "tt:ObjectTracker"}]},
     {"sector": "office", "area": "reception", "publicly_accessible": True}, "FR-SMART-1", R.FAIL,
     ["track individuals"]),
    ({"analytics.rules": [{"name": "L", "type": "tt:ObjectTracker"}]},
     {"sector": "shop", "area": "warehouse", "publicly_accessible": False}, "FR-SMART-1", R.NOT_APPLICABLE,
     ["publicly_accessible: false"]),
])
def test_analytics_rows(facts: dict, fields: dict, rule: str, result: R, texts: list[str]) -> None:
    finding = _finding(facts, fields, rule)
    assert finding.result is result, finding.message
    for text in texts:
        assert text in finding.message


def test_classification_is_by_local_name_and_exact_type_first() -> None:
    assert classify("{http://www.onvif.org/ver10/schema}LineDetector").capability is Capability.LINE_CROSSING
    assert classify("axis:ObjectTracker").source == table().sources["axis"]
    assert classify("vendor:Mystery").capability is None
    assert classify("acme:PeopleTrackingPro").how == "keyword"


def test_every_analytics_type_of_the_real_reply_corpus_is_classified() -> None:
    """Replies of real cameras (tests/corpus/real-*, sources in tests/corpus/SOURCES.md) give no unknown type."""
    import re

    from tests.corpus.real import real_replies

    found: dict[str, str] = {}
    for rel, raw in real_replies().items():
        text = raw.decode("utf-8", errors="replace")
        if "AnalyticsModule" not in text and "RuleDescription" not in text and ":Rule " not in text:
            continue
        for kind in re.findall(r'(?:Type|Name)="([A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*)"', text):
            if kind.split(":")[0] in ("tt", "hikxsd", "axis", "tnsaxis", "dahua", "bosch"):
                found[kind] = rel.split("/")[0]
    assert "hikxsd:TamperEngine" in found and "tt:LineDetectorEngine" in found
    unknown = {kind: where for kind, where in found.items() if classify(kind).capability is None
               and not kind.endswith(("Configuration", "Description", "Options"))}
    assert unknown == {}
