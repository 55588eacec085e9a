"""How completely one device was read: one status per device, derived from what the reader saw.

A fact sheet says fact by fact what was learned; people and cron jobs need one word per
device ("credentials refused", "deadline hit") to know whether a clean verdict covers it.
`derive_read` computes it from the sheet alone (fact statuses, evidence, device errors), so
documents written before the status existed get the same answer when they are loaded.

`unsupported` facts (a camera without an Uplink service) never make a read partial: a
feature the device does not offer is not a gap in coverage.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from probes.facts import DeviceFacts

DEADLINE_ERROR = "device deadline of"
"""How the reader's device-level deadline error starts (probes/onvif/_reader.py)."""

_DEVICE_SERVICE_FACTS = ("services", "clock.source", "identity.model")
"""At least one of these is read from any answering ONVIF device service (two of them anonymously)."""


_DISCOVERY_FACTS = frozenset({"identity.mac_vendor", "network.open_ports", "network.segment"})
"""Facts discovery sets without any ONVIF reply (probes/onvif/services/_sheet.py NOT_ONVIF)."""


class ReadStatus(StrEnum):
    """One word for how far a device was read."""

    FULL = "read_fully"  # every operation answered (or the feature is not offered)
    PARTIAL = "read_partly"  # some operations failed: `failed_operations` names them
    CREDENTIALS_REFUSED = "credentials_refused"  # the device refused our credentials (or we gave none)
    NOT_ONVIF = "not_onvif"  # something answered, but no ONVIF device service
    UNREACHABLE = "unreachable"  # nothing answered at all (connection refused, timed out)
    DEADLINE = "deadline_hit"  # the per-device deadline stopped the read

    @property
    def read(self) -> bool:
        """The device's configuration was read, at least in part."""
        return self in (ReadStatus.FULL, ReadStatus.PARTIAL)

    @property
    def label(self) -> str:
        """Short words for tables and the progress line."""
        return _LABELS[self]


_LABELS = {
    ReadStatus.FULL: "read fully",
    ReadStatus.PARTIAL: "read partly",
    ReadStatus.CREDENTIALS_REFUSED: "credentials refused",
    ReadStatus.NOT_ONVIF: "not ONVIF / no answer",
    ReadStatus.UNREACHABLE: "unreachable",
    ReadStatus.DEADLINE: "deadline hit",
}


class DeviceRead(BaseModel):
    """The read status of one device, with the operations that failed and why."""

    status: ReadStatus
    failed_operations: list[str] = Field(default_factory=list)  # e.g. ["tds:GetUsers", "trc:GetRecordings"]
    reason: str | None = None  # one line: why the device was not read fully

    @property
    def summary(self) -> str:
        """`read partly (tds:GetUsers, ...)` / `credentials refused: HTTP 401 ...`."""
        text = self.status.label
        if self.status is ReadStatus.PARTIAL and self.failed_operations:
            ops = self.failed_operations
            text += f" ({', '.join(ops[:4])}{f' and {len(ops) - 4} more' if len(ops) > 4 else ''})"
        elif self.reason and self.status is not ReadStatus.FULL:
            text += f": {self.reason}"
        return text


def derive_read(device: DeviceFacts) -> DeviceRead:
    """The read status of a fact sheet, from what the reader actually saw."""
    from probes.facts import FactStatus

    facts = device.facts
    errors = list(device.errors)
    deadline = next((e for e in errors if e.startswith(DEADLINE_ERROR)), None)
    if deadline is not None:
        return DeviceRead(status=ReadStatus.DEADLINE, failed_operations=_failed(device), reason=deadline)
    if not set(facts) - _DISCOVERY_FACTS:  # the ONVIF reader never ran: discovery saw no ONVIF endpoint
        return DeviceRead(status=ReadStatus.NOT_ONVIF, reason=errors[0] if errors else "no ONVIF endpoint answered")
    if not any(facts[k].ok for k in _DEVICE_SERVICE_FACTS if k in facts):
        why = errors[0] if errors else "the ONVIF device service could not be read"
        answered = any(f.evidence is not None for f in facts.values())
        return DeviceRead(status=ReadStatus.NOT_ONVIF if answered else ReadStatus.UNREACHABLE, reason=why)
    accepted = facts.get("auth.credentials_accepted")
    denied_status = FactStatus.DENIED  # looked up once: an enum member costs ~70 ns per lookup on 3.11
    denied = next((f for f in facts.values() if f.status is denied_status and not f.source.startswith("derived")),
                  None)  # the first one is all that is needed
    if accepted is not None and accepted.ok and accepted.value is False:
        return DeviceRead(status=ReadStatus.CREDENTIALS_REFUSED, failed_operations=_failed(device),
                          reason=accepted.reason or "the device refused the credentials")
    if denied is not None and accepted is not None and not accepted.ok:  # e.g. "no credentials configured"
        refused = accepted.reason or denied.reason
        return DeviceRead(status=ReadStatus.CREDENTIALS_REFUSED, failed_operations=_failed(device), reason=refused)
    failed = _failed(device)
    if failed or errors:
        return DeviceRead(status=ReadStatus.PARTIAL, failed_operations=failed,
                          reason=errors[0] if errors else f"{len(failed)} operation(s) failed")
    return DeviceRead(status=ReadStatus.FULL)


def _failed(device: DeviceFacts) -> list[str]:
    """Operations behind facts that were refused or failed (not those the device does not offer)."""
    from probes.facts import FactStatus

    failing = frozenset((FactStatus.DENIED, FactStatus.ERROR))  # built once per sheet, not once per fact
    ops = {f.source for f in device.facts.values()
           if f.status in failing and f.source and not f.source.startswith("derived")}
    return sorted(ops)
