"""Virtual ONVIF cameras for the demo, the tests and the benchmarks.

The lab imports nothing of camaudit's: it must not share parsing code with
probes/, or tests would test the scanner against itself.

    fleet = load_fleet(DEMO_FLEET)
    async with run_fleet(fleet, port_override=0) as running:
        cam = running.camera("bank-vault")
        ...  # talk ONVIF to cam.xaddr
        assert all(op.split(":")[1].startswith("Get") for op in cam.received)
"""

from __future__ import annotations

from pathlib import Path

from lab.generate import generate_fleet
from lab.loader import FleetError, load_fleet, parse_fleet
from lab.model import Camera, Fleet, MisbehaviourMode, Service, fleet_json_schema
from lab.server import (
                        FleetStartError,
                        ReceivedRequest,
                        RunningCamera,
                        RunningFleet,
                        run_fleet,
)

FLEETS_DIR = Path(__file__).parent / "fleets"
DEMO_FLEET = FLEETS_DIR / "demo.yaml"
DEMO_SITE = FLEETS_DIR / "demo-site.yaml"  # written by the profiles engineer
MISBEHAVING_FLEET = FLEETS_DIR / "misbehaving.yaml"
QUIRKS_FLEET = FLEETS_DIR / "quirks.yaml"  # real-camera quirks (issue 20)

__all__ = [
    "DEMO_FLEET", "DEMO_SITE", "FLEETS_DIR", "MISBEHAVING_FLEET", "QUIRKS_FLEET",
    "Camera", "Fleet", "FleetError", "FleetStartError",
    "MisbehaviourMode", "ReceivedRequest", "RunningCamera", "RunningFleet", "Service",
    "fleet_json_schema", "generate_fleet", "load_fleet", "parse_fleet", "run_fleet",
]
