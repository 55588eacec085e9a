"""Every rule of the rules catalogue is encoded in a shipped profile (automated, or manual with an attestation)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from profiles import load_profiles, shipped_ids

# shared/ sits beside the repository (as on the team's machines and in CI)
CATALOGUE = Path(__file__).resolve().parents[3] / "shared" / "rules-catalogue.md"

# Fallback when the catalogue file is not available (e.g. outside the team's machine).
KNOWN_IDS = {
    "CZ-CLASS-1", "CZ-CLASS-2", "CZ-CLASS-3", "CZ-PD-1", "CZ-PURPOSE-1", "CZ-MIN-1", "CZ-MIN-2", "CZ-ACC-1",
    "CZ-RET-1", "CZ-RET-2", "CZ-BASIS-1", "CZ-INFO-1", "CZ-RIGHTS-1", "CZ-ADM-1", "CZ-TRANSFER-1", "CZ-DPIA-1",
    "CZ-SEC-1", "CZ-SEC-2", "CZ-SEC-3", "CZ-SEC-4", "CZ-WORK-1", "CZ-AUDIO-1", "CZ-BIO-1", "CZ-PUBLIC-1",
    "GR-PROP-1", "GR-STREET-1", "GR-NEIGH-1", "GR-CORE-1", "GR-PTZ-1", "GR-AUDIO-1", "GR-PBD-1", "GR-WORK-1",
    "GR-RET-1", "GR-INFO-1", "GR-ACCESS-1", "GR-RES-1", "GR-BANK-1", "GR-HOTEL-1", "GR-SCHOOL-1", "GR-SHOP-1",
    "GR-HOSP-1", "GR-OTHER-1", "GR-HOURS-1", "FR-SMART-1", "FR-THERMAL-1", "FR-PUBLIC-1", "NL-FRT-1", "NL-DPIA-1",
    "EDPS-SCOPE-1", "EDPS-ADM-1", "EDPS-ISO-1", "EDPS-REC-1", "EDPS-NET-1", "EDPS-CAL-1", "EDPS-PURPOSE-1",
    "GDPR-INV-1", "GDPR-INV-2", "GDPR-SEC-1", "GDPR-MIN-1", "GDPR-RET-1", "GDPR-ART9-1", "GDPR-TRANSFER-1",
    "GDPR-DPIA-1",
}


def catalogue_ids() -> set[str]:
    """Rule ids written in bold (**CZ-RET-1 ...**) plus list items such as '- CZ-SEC-1 ...'."""
    if not CATALOGUE.is_file():
        return set(KNOWN_IDS)
    text = CATALOGUE.read_text(encoding="utf-8")
    ids = set(re.findall(r"\*\*([A-Z0-9]+(?:-[A-Z0-9]+)*-\d+)\b", text))
    ids |= set(re.findall(r"^\s*-\s+([A-Z0-9]+(?:-[A-Z0-9]+)*-\d+)\s", text, flags=re.MULTILINE))
    return ids


def test_catalogue_parses_to_the_known_rules() -> None:
    ids = catalogue_ids()
    assert len(ids) >= 60
    assert ids == KNOWN_IDS, f"catalogue changed: new {sorted(ids - KNOWN_IDS)}, gone {sorted(KNOWN_IDS - ids)}"


def test_every_catalogue_rule_is_in_a_shipped_profile() -> None:
    encoded = {rule.id: rule for profile in load_profiles(shipped_ids()) for rule in profile.rules}
    missing = sorted(catalogue_ids() - set(encoded))
    assert not missing, f"rules of the catalogue not in any shipped profile: {missing}"
    for rule_id in catalogue_ids():
        rule = encoded[rule_id]
        assert rule.check or (rule.manual and rule.manual.attestation), rule_id


@pytest.mark.parametrize("prefix, profile", [("CZ-", "cz-uoou-2024"), ("GR-", "gr-hdpa-1-2011"),
                                             ("FR-", "fr-cnil-2020"), ("NL-", "nl-ap-frt"),
                                             ("EDPS-", "edps-thermal-2020"), ("GDPR-", "gdpr-baseline")])
def test_each_source_lives_in_its_own_profile(prefix: str, profile: str) -> None:
    [loaded] = load_profiles([profile])
    own = {r.id for r in loaded.rules if r.profile == profile}
    assert {i for i in catalogue_ids() if i.startswith(prefix)} <= own
