"""The scan document is assembled by the layer that owns its model: reports.document, from an evaluation."""

from __future__ import annotations

from datetime import UTC, datetime

from probes.facts import DeviceFacts
from profiles import evaluate, load_profiles
from profiles.inventory import Inventory
from reports.document import document_of_facts, facts_only, judged

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PURPOSE = {"purposes": ["property_protection"]}


def _inventory() -> Inventory:
    return Inventory.model_validate({
        "site": "hq", "timezone": "Europe/Prague", "jurisdiction": "CZ", "sector": "retail",
        "declarations": [{"name": "gate", "area": "entrance", "match": {"ip": "127.0.10.5"}, **PURPOSE},
                         {"name": "yard", "area": "parking", "match": {"ip": "127.0.10.6"}, **PURPOSE,
                          "placeholders": ["area"]}],
    })


def test_a_judged_document_names_declared_cameras_and_its_coverage() -> None:
    device = DeviceFacts(device_id="addr:127.0.10.5:80", address="127.0.10.5", port=80)
    doc = document_of_facts([device], site="hq", at=AT, scanner_version="test")
    inventory = _inventory()
    profiles = load_profiles(["gdpr-baseline"])
    evaluation = evaluate([device], inventory, profiles, at=AT)
    judged(doc, evaluation, inventory, profiles, at=AT)
    assert doc.meta.evaluated_at == AT and doc.meta.profiles == [p.id for p in profiles]
    assert doc.findings == evaluation.findings and doc.drift is None
    assert doc.declared_names == {"addr:127.0.10.5:80": "gate"}
    gate = doc.declared["addr:127.0.10.5:80"]
    assert (gate.name, str(gate.area)) == ("gate", "entrance")
    assert gate.sector is not None and gate.sector == inventory.sector  # not declared: the site's
    assert doc.coverage is not None and doc.coverage.declared == 2 and doc.coverage.drafts == ["yard"]


def test_a_facts_only_document_is_not_judged() -> None:
    doc = facts_only(document_of_facts([], site="hq", at=AT, scanner_version="test"), named=["127.0.10.9:80"])
    assert doc.meta.evaluated_at is None and doc.coverage is not None and not doc.coverage.evaluated
    assert doc.coverage.named_hosts == ["127.0.10.9:80"]
