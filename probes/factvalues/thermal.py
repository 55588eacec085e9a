"""Thermal facts: radiometry and thermal configurations (tth:)."""

from __future__ import annotations

from probes.factvalues._base import FactValue, fact


class ThermalConfiguration(FactValue):
    token: str
    polarity: str  # WhiteHot | BlackHot
    color_palette: str | None = None


RADIOMETRY = fact("thermal.radiometry", bool, "tth:GetServiceCapabilities",
                  "Radiometric (temperature-measuring) camera")
CONFIGURATIONS = fact("thermal.configurations", list[ThermalConfiguration], "tth:GetConfigurations",
                      "Thermal configurations")

SPECS = (RADIOMETRY, CONFIGURATIONS)
