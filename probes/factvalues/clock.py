"""Clock facts: the device clock against the scanner's, and how it is set (tds:GetSystemDateAndTime)."""

from __future__ import annotations

from typing import Literal

from probes.factvalues._base import FactSpec, fact

ClockSource = Literal["NTP", "Manual"]

SKEW_SECONDS = fact("clock.skew_seconds", float, "tds:GetSystemDateAndTime", "Device clock minus scanner clock (UTC)")
SOURCE: FactSpec[ClockSource] = FactSpec("clock.source", ClockSource, "tds:GetSystemDateAndTime",
                                         "How the clock is set")

SPECS = (SKEW_SECONDS, SOURCE)
