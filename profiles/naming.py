"""What people call a device: the one rule every finding, report, drift and MQTT message uses."""

from __future__ import annotations

from probes.facts import DeviceFacts


def display_name(device_id: str, *, declared: str | None = None, device: DeviceFacts | None = None,
                 fallback: str | None = None) -> str:
    """The declared camera name, else maker, model and address as read (`DeviceFacts.label`), else
    `fallback` (the name a finding was stamped with), else the device id."""
    return declared or (device.label if device is not None else None) or fallback or device_id
