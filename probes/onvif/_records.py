"""Typed records of ONVIF replies that are not fact values themselves (the parsers return them).

Fact values have their models in `probes/factvalues/`; these are the intermediate shapes a reader takes
apart into several facts (the device information, the clock reading) or uses to find the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from probes.factvalues.clock import ClockSource
from probes.factvalues.services import OfferedService


@dataclass(frozen=True, slots=True)
class DeviceInformation:
    """tds:GetDeviceInformation: five required strings, one identity fact each."""

    manufacturer: str
    model: str
    firmware: str
    serial: str
    hardware_id: str

    def identity_facts(self) -> tuple[tuple[str, str], ...]:
        """(fact key, value) of the five identity facts, in catalogue order."""
        return (("identity.manufacturer", self.manufacturer), ("identity.model", self.model),
                ("identity.firmware", self.firmware), ("identity.serial", self.serial),
                ("identity.hardware_id", self.hardware_id))


@dataclass(frozen=True, slots=True)
class SystemDateTime:
    """tds:GetSystemDateAndTime: how the clock is set and what it said (both clock facts come from it)."""

    source: ClockSource
    utc: datetime | None  # UTCDateTime (optional in the schema), aware
    timezone: str | None  # TimeZone/TZ as the device wrote it (POSIX or not)
    local: datetime | None = None  # LocalDateTime, naive; None when absent or not a valid date/time


@dataclass(frozen=True, slots=True)
class CapabilityListing:
    """tds:GetCapabilities rendered like GetServices entries (no versions), and why it was read leniently."""

    services: tuple[OfferedService, ...]
    caveat: str | None = None  # a non-conforming reply read by local name
