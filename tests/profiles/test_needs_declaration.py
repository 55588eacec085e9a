"""Unknowns that only a declaration can settle are marked (NO_DECLARATION), so reports can group them.

The mark never changes a result: it rides on `unknown` findings only, the undeclared camera still
fails GDPR-INV-1, and its observed-only rules are judged as for any camera.
"""

from __future__ import annotations

import pytest

from profiles import evaluate, load_profiles
from profiles.findings import NO_DECLARATION, Result
from scanner.site import load_site, site_inventory
from tests.profiles.demo_expectations import DEMO_AT, DEMO_SITE
from tests.profiles.demo_fleet import demo_devices


@pytest.fixture(scope="module")
def evaluation():  # type: ignore[no-untyped-def]
    site = load_site(DEMO_SITE).site
    return evaluate(demo_devices(), site_inventory(site), load_profiles(site.profiles), at=DEMO_AT)


def test_only_the_undeclared_cameras_unknowns_wait_for_a_declaration(evaluation) -> None:  # type: ignore[no-untyped-def]
    waiting = [f for f in evaluation.findings if f.needs_declaration]
    undeclared = {f.device_id for f in waiting}
    assert len(undeclared) == 1
    (rogue,) = undeclared
    assert rogue not in evaluation.matches
    mine = [f for f in evaluation.findings if f.device_id == rogue]
    # every unknown of the undeclared camera waits for the declaration (the demo reads all its facts) ...
    assert {f.uid for f in mine if f.result is Result.UNKNOWN} == {f.uid for f in waiting}
    assert len(waiting) >= 20
    # ... of all three kinds: checks reading the declaration, sector/area filters, manual attestations
    messages = " ".join(f.message for f in waiting)
    assert "declare it under `cameras:`" in messages and "sector/area rule applies" in messages
    assert "nobody can attest" in messages
    # the camera still fails the inventory rule, and observed-only rules are judged normally
    assert [f.result for f in mine if f.rule_id == "GDPR-INV-1"] == [Result.FAIL]
    assert any(f.result is Result.PASS for f in mine) and any(f.result is Result.NOT_APPLICABLE for f in mine)
    # the mark is carried by nothing but unknowns
    marked = [f for f in evaluation.findings if NO_DECLARATION in f.evidence]
    assert all(f.result is Result.UNKNOWN for f in marked) and len(marked) == len(waiting)
