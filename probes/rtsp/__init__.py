"""The read-only RTSP probe: OPTIONS and DESCRIBE on each camera's stream URIs, never SETUP or PLAY.

`probe_all` adds the `rtsp.*` facts and `media.audio_streamed` to fact sheets the ONVIF reader produced
(it needs their `media.stream_uris`), with bounded concurrency, a deadline per device and a size cap
per reply. docs/facts.md ("RTSP") says what each fact means.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from probes.facts import DeviceFacts
from probes.rtsp._probe import RTSP_FACTS, probe_device, stream_targets
from probes.rtsp.models import MediaKind, RtspAuth, RtspServer, SdpMedia, StreamDescription

__all__ = ["RTSP_FACTS", "MediaKind", "RtspAuth", "RtspServer", "SdpMedia", "StreamDescription", "probe_all",
           "probe_device", "stream_targets"]

Credentials = Callable[[DeviceFacts], tuple[str, str] | None]


async def probe_all(devices: Sequence[DeviceFacts], credentials_for: Credentials | None = None, *,
                    concurrency: int = 64, timeout_s: float = 5.0, deadline_s: float = 20.0,
                    max_reply_bytes: int = 256 * 1024) -> None:
    """Probe every device's streams and store the RTSP facts in its sheet (in place)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(device: DeviceFacts) -> None:
        async with gate:
            creds = credentials_for(device) if credentials_for else None
            found = await probe_device(device, creds, timeout_s=timeout_s, deadline_s=deadline_s,
                                       max_reply_bytes=max_reply_bytes)
            device.facts = {**device.facts, **found}  # assigned, so the sheet types the values

    async with asyncio.TaskGroup() as group:
        for device in devices:
            group.create_task(one(device))
