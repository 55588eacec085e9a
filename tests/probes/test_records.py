"""Compact records: frozen models share their fields-set and intern repeated strings, and behave as before."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
from pydantic import ConfigDict, ValidationError

from probes.facts import DeviceFacts, Evidence, Fact, FactStatus
from probes.records import CompactRecord, shared_fields_set
from profiles.evaluator import fast_finding
from profiles.findings import EvidenceRef, Finding, Reference, Result, Severity
from tests.support.children import python_env


def test_facts_given_the_same_fields_share_one_set_and_keep_their_meaning():
    one, two = Fact.observed(1, "tds:GetX"), Fact.observed("b", "tds:GetY")
    failed = Fact.failed(FactStatus.DENIED, "tds:GetX", "refused")
    assert one.__pydantic_fields_set__ is two.__pydantic_fields_set__
    assert one.model_fields_set == {"status", "value", "source", "evidence"}
    assert failed.model_fields_set == {"status", "value", "source", "reason", "evidence"}
    assert failed.__pydantic_fields_set__ is not one.__pydantic_fields_set__
    assert one.model_dump(exclude_unset=True) == {"status": FactStatus.OK, "value": 1, "source": "tds:GetX",
                                                  "evidence": None}


def test_a_frozen_record_still_refuses_assignment_and_leaves_the_shared_set_alone():
    fact = Fact.observed(1, "tds:GetX")
    before = set(fact.__pydantic_fields_set__)
    with pytest.raises(ValidationError):
        fact.reason = "changed"
    assert fact.__pydantic_fields_set__ == before


def test_copies_and_pickles_share_too():
    fact = Fact.observed(1, "tds:GetX")
    copied = fact.model_copy(update={"value": 2})
    assert copied.value == 2 and copied.__pydantic_fields_set__ is fact.__pydantic_fields_set__
    with_reason = fact.model_copy(update={"reason": "caveat"})
    assert "reason" in with_reason.model_fields_set and "reason" not in fact.model_fields_set
    back = pickle.loads(pickle.dumps(fact))  # noqa: S301 - our own bytes, as a reader process's sheet arrives
    assert back == fact and back.__pydantic_fields_set__ is fact.__pydantic_fields_set__


def test_identical_excerpts_are_one_string():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    reply = b"<tds:GetServicesResponse>" + b"x" * 300 + b"</tds:GetServicesResponse>"
    first = Evidence.from_reply("tds:GetServices", reply, at)
    second = Evidence.from_reply("tds:GetServices", bytes(reply), at)
    assert first.excerpt is second.excerpt
    loaded = Evidence.model_validate_json(first.model_dump_json())
    assert loaded.excerpt is first.excerpt and loaded == first


def test_a_sheet_loaded_from_json_equals_the_one_written():
    sheet = DeviceFacts(device_id="addr:127.0.0.1:80", address="127.0.0.1",
                        facts={"identity.model": Fact.observed("M1", "tds:GetDeviceInformation"),
                               "identity.serial": Fact.failed(FactStatus.DENIED, "tds:GetDeviceInformation", "no")})
    assert DeviceFacts.model_validate_json(sheet.model_dump_json()) == sheet


def _finding_parts() -> dict[str, object]:
    """Every field of a finding, in the model's order."""
    return {"uid": "u", "rule_id": "R-1", "check": "c", "profile": "p", "profile_version": None,
            "device_id": "d", "device_name": "n", "result": Result.PASS, "severity": Severity.LOW,
            "title": "t", "message": "m", "evidence": [EvidenceRef(key="k", status="ok")],
            "reference": Reference(source="CZ", article="1"), "remediation": "", "waiver": None,
            "evaluated_at": datetime(2026, 1, 1, tzinfo=UTC), "change": None}


def test_findings_of_the_engine_share_one_full_set_and_assignment_keeps_it_full():
    parts = _finding_parts()
    one, two = fast_finding(**parts), fast_finding(**{**parts, "uid": "v"})
    assert one.__pydantic_fields_set__ is two.__pydantic_fields_set__
    assert one.model_fields_set == set(Finding.model_fields)
    one.message = "changed"  # findings are not frozen: the shared set already names every field
    assert two.model_fields_set == set(Finding.model_fields) and two.message == "m"


def test_only_frozen_models_may_share_their_fields_set():
    with pytest.raises(TypeError, match="must be frozen"):
        class Mutable(CompactRecord):
            model_config = ConfigDict(frozen=False)
            name: str = ""


def test_shared_sets_are_plain_sets_per_combination():
    assert shared_fields_set({"a", "b"}) is shared_fields_set({"b", "a"})
    assert type(shared_fields_set({"a"})) is set


def test_findings_of_the_engine_share_their_dict_keys_and_behave_as_validated_ones():
    """The engine's findings keep only their values (CPython's key-sharing dict): smaller, and the same finding."""
    import sys

    parts = _finding_parts()
    fast, validated = fast_finding(**parts), Finding(**parts)
    assert fast == validated and fast.model_dump_json() == validated.model_dump_json()
    assert list(fast.__dict__) == list(validated.__dict__)
    if sys.implementation.name == "cpython":
        fast_size, validated_size = _dict_sizes_in_a_fresh_process()
        assert fast_size < validated_size * 0.7
    copied = fast.model_copy(update={"message": "other"})
    assert (copied.message, fast.message, copied.uid) == ("other", "m", "u")
    fast.message = "changed"
    assert fast.message == "changed" and fast == validated.model_copy(update={"message": "changed"})


def _dict_sizes_in_a_fresh_process() -> tuple[int, int]:
    """`sys.getsizeof` of an engine finding's and a validated finding's `__dict__`, as a scan's process sees them.

    In a fresh interpreter: CPython keeps one key table per class for every instance to share, and drops it for
    the rest of the process after some uses of the class that this suite makes elsewhere (the report tests
    before this one made the engine's dicts full-sized here); a scan builds its findings in the engine first.
    """
    import subprocess
    import sys

    code = ("import sys\n"
            "from tests.probes.test_records import _finding_parts\n"
            "from profiles.evaluator import fast_finding\n"
            "from profiles.findings import Finding\n"
            "fast, validated = fast_finding(**_finding_parts()), Finding(**_finding_parts())\n"
            "print(sys.getsizeof(fast.__dict__), sys.getsizeof(validated.__dict__))\n")
    out = subprocess.run([sys.executable, "-c", code], env=python_env(), capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    return int(out[0]), int(out[1])


def test_strings_repeated_across_cameras_are_one_string():
    """Hashes of identical replies, str fact values and every string of a value model are interned; other values
    are left as they are."""
    from probes.factvalues.services import OfferedService

    def fresh(text: str) -> str:
        return "".join([text[:1], text[1:]])  # an equal string, not the same object

    at = datetime(2026, 1, 1, tzinfo=UTC)
    reply = b"<tds:GetServicesResponse/>"
    assert Evidence.from_reply("tds:GetServices", reply, at).sha256 is \
        Evidence.from_reply("tds:GetServices", bytes(reply), at).sha256
    assert Fact.observed(fresh("5.1.0"), "tds:X").value is Fact.observed(fresh("5.1.0"), "tds:X").value
    values = [1, 2]
    assert Fact.observed(values, "tds:X").value is values
    ns = "http://www.onvif.org/ver10/device/wsdl"
    one = OfferedService(namespace=fresh(ns), xaddr=fresh("http://a/onvif"), version=fresh("2.6"))
    two = OfferedService(namespace=fresh(ns), xaddr=fresh("http://a/onvif"), version=fresh("2.6"))
    assert (one.namespace is two.namespace, one.xaddr is two.xaddr, one.version is two.version) == (True, True, True)
    assert one == two and one.model_dump_json() == two.model_dump_json()
