"""One display name for a device, whatever prints it (findings, reports, drift, MQTT)."""

from __future__ import annotations

import re
from pathlib import Path

from probes.facts import DeviceFacts, Fact, FactStatus
from profiles.naming import display_name

ROOT = Path(__file__).resolve().parents[2]


def _device(**identity: str) -> DeviceFacts:
    facts = {f"identity.{k}": Fact(status=FactStatus.OK, value=v) for k, v in identity.items()}
    return DeviceFacts(device_id="uuid:1", address="127.0.10.5", facts=facts)


def test_declared_name_first_then_what_was_read_then_fallback_then_id() -> None:
    device = _device(manufacturer="AXIS", model="P3265")
    assert display_name("uuid:1", declared="gate", device=device, fallback="old") == "gate"
    assert display_name("uuid:1", device=device, fallback="old") == "AXIS P3265 (127.0.10.5)"
    assert display_name("uuid:1", device=_device(), fallback="old") == "127.0.10.5"
    assert display_name("uuid:1", fallback="old") == "old"
    assert display_name("uuid:1") == "uuid:1"
    assert display_name("uuid:1", declared="", fallback="") == "uuid:1"  # an empty name is no name


def test_no_other_module_derives_a_name_from_declared_names() -> None:
    """Names come from `display_name` (reports through `reports._index.device_name`): nobody reads
    `declared_names` to make a name of their own, with a fallback of their own."""
    allowed = {"reports/_index.py", "scanner/drift.py"}
    offenders = []
    for package in ("probes", "profiles", "reports", "scanner"):
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel not in allowed and re.search(r"declared_names(\.get\(|\[)", path.read_text(encoding="utf-8")):
                offenders.append(rel)
    assert not offenders
