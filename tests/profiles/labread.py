"""Read a running lab fleet with the real ONVIF reader: name -> fact sheet (for end-to-end check tests)."""

from __future__ import annotations

from typing import Any

from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts
from probes.onvif import OnvifReader


async def read_sheets(running: Any, username: str, password: str) -> dict[str, DeviceFacts]:
    devices = {c.name: DiscoveredDevice(addresses=[c.address], xaddrs=[c.xaddr]) for c in running.cameras}
    names = {device.key: name for name, device in devices.items()}
    out: dict[str, DeviceFacts] = {}
    async with OnvifReader(username=username, password=password, request_timeout_s=2.0,
                           device_deadline_s=10.0) as reader:
        async for sheet in reader.read_all(devices.values()):
            out[names[sheet.device_id]] = sheet
    return out
