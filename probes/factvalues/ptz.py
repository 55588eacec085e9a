"""PTZ facts: pan/tilt/zoom nodes, presets, tours and auto-tracking (tptz:)."""

from __future__ import annotations

from probes.factvalues._base import FactValue, fact


class PtzNode(FactValue):
    token: str
    name: str | None = None
    fixed_home: bool | None = None  # @FixedHomePosition (optional attribute)
    auto_tracking: bool | None = None  # vendor extension; None: not said


class PtzPreset(FactValue):
    token: str | None = None
    name: str | None = None


class PtzTour(FactValue):
    token: str | None = None
    name: str | None = None
    status: str  # tt:PTZPresetTourState: Idle | Touring | Paused | Extended
    auto_start: bool


NODES = fact("ptz.nodes", list[PtzNode], "tptz:GetNodes", "PTZ nodes (empty = no PTZ)")
PRESENT = fact("ptz.present", bool, "derived from ptz.nodes", "The camera can pan/tilt/zoom")
PRESETS = fact("ptz.presets", list[PtzPreset], "tptz:GetPresets", "Presets")
TOURS = fact("ptz.tours", list[PtzTour], "tptz:GetPresetTours", "Preset tours")
AUTO_TRACKING = fact("ptz.auto_tracking", bool, "tptz:GetConfigurations | vendor", "Auto-tracking enabled")

SPECS = (NODES, PRESENT, PRESETS, TOURS, AUTO_TRACKING)
