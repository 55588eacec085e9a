"""A camera's read leaves nothing behind for the garbage collector (issue 23).

The scanner runs the collector rarely (`probes/runloop.py` GC_THRESHOLDS): whatever a read keeps in a
reference cycle (a stored exception's traceback holding the read's frames, say) lives on with every reply
and parsed tree of that camera until a full collection: 40 MB at 1,000 lab cameras (bench/README.md,
round four). So each read must be freed by reference counting alone, with refused credentials, none,
cameras that refuse or answer the anonymous probes, one that never answers and one that resets the
connection, over real sockets.
"""

from __future__ import annotations

import gc

import pytest

from lab import run_fleet
from lab.model import Fleet
from probes.discovery.model import DiscoveredDevice
from probes.onvif import OnvifReader
from probes.onvif._transport import DeviceChannel
from probes.onvif.services._context import ReadContext

pytestmark = pytest.mark.asyncio

USER, PASSWORD = "auditor", "lab-pass"
CAMERAS = [
    {"name": "closed", "address": "127.0.44.11", "auth": {"schemes": ["ws-usernametoken"]}},
    {"name": "closed-digest", "address": "127.0.44.12", "auth": {"schemes": ["http-digest"]}},
    {"name": "open", "address": "127.0.44.13",
     "auth": {"anonymous_operations": ["GetDeviceInformation", "GetProfiles", "GetUsers"]}},
    # failures kept as outcomes: a timeout and a connection reset (lab/fleets/misbehaving.yaml)
    {"name": "no-reply", "address": "127.0.44.14", "auth": {}, "misbehaviour": ["no_reply"]},
    {"name": "connection-reset", "address": "127.0.44.15", "auth": {}, "misbehaviour": ["connection_reset"]},
]


def lab_fleet() -> Fleet:
    cams = [{**cam, "auth": {"users": {USER: {"password": PASSWORD, "level": "Administrator"}}, **cam["auth"]}}
            for cam in CAMERAS]
    return Fleet.model_validate({"version": 1, "cameras": cams})


@pytest.mark.parametrize("password", [PASSWORD, "not-the-password", None], ids=["right", "wrong", "none"])
async def test_a_read_is_freed_without_the_collector(password: str | None) -> None:
    credentials = {"username": USER, "password": password} if password else {}
    async with run_fleet(lab_fleet(), port_override=0) as running:
        gc.collect()
        gc.disable()
        try:
            async with OnvifReader(device_deadline_s=20, request_timeout_s=1, **credentials) as reader:
                for cam in running.cameras:
                    uuid = cam.spec.endpoint_uuid.removeprefix("urn:uuid:").lower()
                    sheet = await reader.read(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr],
                                                               endpoint_uuid=uuid))
                    answers = "misbehaviour" not in cam.spec.model_fields_set
                    assert sheet.get("services").ok is answers, cam.name  # the read did happen
                    left = [type(o).__name__ for o in gc.get_objects() if isinstance(o, ReadContext | DeviceChannel)]
                    assert left == [], f"{cam.name}: kept alive by a reference cycle"
        finally:
            gc.enable()
