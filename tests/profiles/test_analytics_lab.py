"""End to end over real sockets: lab cameras with vendor analytics -> the ONVIF reader -> FR-SMART-1.

An Axis object-tracker *module* (no rule) with an expired end date fails for both reasons; a vendor rule type
nobody has classified leaves the rule unknown instead of passing as "motion only"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from lab import DEMO_FLEET, load_fleet, run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts
from probes.onvif import OnvifReader
from profiles import evaluate, load_profiles
from profiles.findings import Result
from profiles.inventory import Declaration, Inventory

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]

AT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
CAMERAS = {  # name -> (last address byte, modules, rules)
    "axis-tracker": (41, [{"name": "Tracker", "type": "axis:ObjectTracker"}], []),
    "dahua-unknown": (42, [], [{"name": "Smart", "type": "dahua:SmartMotionDetection"}]),
    "motion-only": (43, [{"name": "Motion", "type": "tt:CellMotionEngine"}], []),
}


def _uuid(byte: int) -> str:
    return f"urn:uuid:0a1b2c3d-20{byte:02d}-4e5f-8c20-e0508ba9ca{byte:02d}"


def _fleet():  # type: ignore[no-untyped-def]
    demo = load_fleet(DEMO_FLEET)
    [template] = [c for c in demo.cameras if c.name == "retail-face"]
    cameras = []
    for name, (byte, modules, rules) in CAMERAS.items():
        identity = template.identity.model_copy(update={
            "endpoint_uuid": _uuid(byte), "serial": f"SERIAL{byte}", "mac": f"e0:50:8b:a9:ca:{byte:02d}"})
        analytics = template.analytics.model_copy(update={
            "modules": [type(template.analytics.rules[0])(**m) for m in modules],
            "rules": [type(template.analytics.rules[0])(**r) for r in rules],
            "supported_modules": [m["type"] for m in modules], "supported_rules": [r["type"] for r in rules]})
        cameras.append(template.model_copy(update={"name": name, "address": f"127.0.10.{byte}",
                                                   "identity": identity, "analytics": analytics}))
    return demo.model_copy(update={"cameras": cameras})


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sheets() -> list[DeviceFacts]:
    read: list[DeviceFacts] = []
    async with run_fleet(_fleet(), port_override=0) as running:
        targets = [DiscoveredDevice(addresses=[c.address], xaddrs=[c.xaddr]) for c in running.cameras]
        async with OnvifReader(username="auditor", password="demo-pass") as reader:
            async for sheet in reader.read_all(targets):
                read.append(sheet)
    return read


@pytest.mark.parametrize(("name", "result", "texts"), [
    ("axis-tracker", Result.FAIL, ["axis:ObjectTracker (object_tracking)", "end date 2026-01-31 has passed"]),
    ("dahua-unknown", Result.UNKNOWN, ["dahua:SmartMotionDetection", "not in camaudit's classification"]),
    ("motion-only", Result.PASS, ["no smart analytics beyond motion/tamper detection"]),
])
async def test_vendor_analytics_read_over_onvif(sheets: list[DeviceFacts], name: str, result: Result,
                                                texts: list[str]) -> None:
    byte = CAMERAS[name][0]
    declaration = Declaration.model_validate({
        "name": name, "match": {"uuid": _uuid(byte)}, "sector": "magasin", "area": "surface de vente",
        "purposes": ["property_protection"], "end_date": "2026-01-31", "anonymisation": True})
    inventory = Inventory(site="lab", timezone="Europe/Paris", declarations=[declaration])
    evaluation = evaluate(sheets, inventory, load_profiles(["fr-cnil-2020"]), at=AT)
    [finding] = [f for f in evaluation.findings if f.device_name == name and f.rule_id == "FR-SMART-1"]
    assert finding.result is result, finding.message
    for text in texts:
        assert text in finding.message
    assert finding.profile == "fr-cnil-2020" and finding.profile_version == "2020.1"
