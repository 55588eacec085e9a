"""The device clock of cameras whose TZ has daylight saving rules, with the clock injected on both sides of a
switch (CAMAUDIT_CLOCK_OFFSET moves the lab's clock and the scanner's together), over real sockets.

The lab computes the cameras' local time with dateutil's reading of the TZ string, the reader with its own
(probes/onvif/_posixtz.py): a skew of 0 on both sides of the switch means they agree, and WS-UsernameToken
(whose Created the camera checks against its real UTC clock) was accepted with the corrected clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lab import QUIRKS_FLEET, load_fleet, run_fleet
from probes import clock
from probes.discovery.model import DiscoveredDevice
from probes.onvif import OnvifReader
from tests.support.clock import clock_offset

FLEET = load_fleet(QUIRKS_FLEET)
CAMERAS = ("clock-local-as-utc", "clock-no-utc")  # AEST-10AEDT,M10.1.0,M4.1.0/3 and EST5EDT,M3.2.0,M11.1.0 (+2 h)
SKEW = {"clock-local-as-utc": 0, "clock-no-utc": 7200}

# (injected UTC time, DST in Sydney, DST in New York)
SEASONS = [(datetime(2027, 1, 15, 3, tzinfo=UTC), True, False), (datetime(2027, 7, 15, 3, tzinfo=UTC), False, True)]


@pytest.mark.asyncio
@pytest.mark.parametrize(("at", "sydney_dst", "new_york_dst"), SEASONS, ids=["january", "july"])
async def test_device_clock_follows_the_tz_rules(at: datetime, sydney_dst: bool, new_york_dst: bool) -> None:
    with clock_offset(f"{(at - datetime.now(UTC)).total_seconds():.0f}s"):
        assert abs((clock.now() - at).total_seconds()) < 60
        fleet = FLEET.model_copy(update={"cameras": [c for c in FLEET.cameras if c.name in CAMERAS]})
        sheets = {}
        async with (run_fleet(fleet, port_override=0) as running,
                    OnvifReader(username="auditor", password="demo-pass", device_deadline_s=20) as reader):
            for cam in running.cameras:
                sheets[cam.name] = await reader.read(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr]))
        for name, dst in (("clock-local-as-utc", sydney_dst), ("clock-no-utc", new_york_dst)):
            skew = sheets[name].facts["clock.skew_seconds"]
            assert skew.ok and abs(skew.value - SKEW[name]) <= 2, (name, skew)
            assert ("daylight saving time by its rules" in (skew.reason or "")) is dst, (name, skew.reason)
            assert sheets[name].facts["auth.credentials_accepted"].value is True, name
