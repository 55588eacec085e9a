"""The findings each demo scenario was built for: per camera, exactly the rules that must FAIL.

One table, shared by the hand-built-facts test (test_demo.py) and the end-to-end test (test_demo_lab.py: lab ->
reader -> evaluate). Evaluate at DEMO_AT (a Tuesday morning: school and shops open) with the demo site
file; every other automated rule must pass, be not applicable, unknown or manual (never fail).

Some scenarios trigger more than their headline rule because several sources judge the same fact (e.g.
unlimited retention breaks every retention maximum); each extra rule is listed with the reason.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
DEMO_SITE = ROOT / "lab" / "fleets" / "demo-site.yaml"
DEMO_AT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Prague"))  # Tuesday 10:00, premises open

# declared camera name (or "declared:<name>" for missing ones, or the device address for undeclared ones)
EXPECTED_FAILS: dict[str, set[str]] = {
    "school-corridor": {"CZ-CLASS-2", "GR-SCHOOL-1"},
    "hotel-lobby": set(),
    "hotel-corridor": {"GR-HOTEL-1"},
    "bank-vault": {"GR-BANK-1", "GDPR-INV-2"},
    "residential-entrance": {
        "GR-RES-1", "CZ-RET-1",
        "CZ-ACC-1",  # clock set by hand, 600 s ahead: no trustworthy time data
        "GDPR-SEC-1",  # same clock skew: not synchronised
    },
    "shop-checkout": {"CZ-CLASS-1", "CZ-AUDIO-1", "GR-AUDIO-1", "GDPR-MIN-1"},
    "hospital-waiting": {"GR-HOSP-1"},
    "office-workplace": {
        "GR-WORK-1", "CZ-WORK-1", "GDPR-SEC-1",
        "CZ-ACC-1",  # anonymous configuration access + manual clock
        "GR-PBD-1",  # no HTTPS, no access control
        "CZ-SEC-2", "CZ-SEC-3", "CZ-CLASS-3",  # access control is a mandatory measure of every class
    },
    "thermal-entrance": {
        "EDPS-REC-1", "EDPS-ISO-1", "EDPS-NET-1", "FR-THERMAL-1",
        "GDPR-ART9-1",  # health data without an art 9(2) ground or legal framework
        "CZ-SEC-1", "CZ-CLASS-3",  # default gateway: not a closed camera network (mandatory for class 4)
    },
    "retail-face": {
        "NL-FRT-1", "CZ-CLASS-1", "CZ-BIO-1", "GDPR-ART9-1", "FR-SMART-1", "NL-DPIA-1",
        "CZ-ADM-1",  # automated identification not covered by a justification or human review
        "CZ-DPIA-1", "GDPR-DPIA-1",  # biometrics make it high-risk: the same missing DPIA
    },
    "perimeter-ptz": {
        "GR-PTZ-1", "CZ-CLASS-1", "CZ-MIN-1",
        "GDPR-MIN-1",  # unjustified PTZ, no masks on a perimeter view
        "GR-STREET-1",  # perimeter view without masks over the street
    },
    "cloud-doorbell": {
        "GDPR-TRANSFER-1", "CZ-TRANSFER-1", "CZ-RET-2", "GDPR-RET-1",
        "CZ-RET-1", "GR-RES-1",  # unlimited retention also exceeds the 72 h / 48 h limits
    },
    "127.0.10.23": {"GDPR-INV-1"},  # rogue-cam: not declared
    "parking-lot": set(),
    "declared:lobby-old": {"GDPR-INV-2"},  # declared, not found
}

# The good examples: every rule passes, is not applicable or is attested; nothing unknown, nothing failing.
CLEAN = ("hotel-lobby", "parking-lot")


def scenario_key(device_id: str, matches: dict[str, str], addresses: dict[str, str]) -> str:
    """The EXPECTED_FAILS key for a finding's device."""
    if device_id in matches:
        return matches[device_id]
    if device_id.startswith("declared:") or device_id == "site":
        return device_id
    return addresses.get(device_id, device_id)


def fails_by_camera(evaluation, devices) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """{scenario key: failing rule ids} of an Evaluation, with an entry for every expected key."""
    from profiles.findings import Result

    addresses = {d.device_id: d.address for d in devices}
    found: dict[str, set[str]] = {key: set() for key in EXPECTED_FAILS}
    for finding in evaluation.findings:
        if finding.result is Result.FAIL:
            key = scenario_key(finding.device_id, evaluation.matches, addresses)
            found.setdefault(key, set()).add(finding.rule_id)
    return found
