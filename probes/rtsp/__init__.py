"""The read-only RTSP probe: OPTIONS and DESCRIBE on each camera's stream URIs, never SETUP or PLAY.

`probe_all` adds the `rtsp.*` facts and `media.audio_streamed` to fact sheets the ONVIF reader produced
(it needs their `media.stream_uris`), with bounded concurrency, a deadline per device and a size cap
per reply; `StreamProbes` does the same sheet by sheet as the reads end (the scan's RTSP step).
docs/facts.md ("RTSP") says what each fact means.
"""

from __future__ import annotations

from collections.abc import Sequence

from probes.facts import DeviceFacts
from probes.rtsp._probe import RTSP_FACTS, probe_device, stream_targets
from probes.rtsp._step import Credentials, StreamProbes
from probes.rtsp.models import MediaKind, RtspAuth, RtspServer, SdpMedia, StreamDescription

__all__ = ["RTSP_FACTS", "MediaKind", "RtspAuth", "RtspServer", "SdpMedia", "StreamDescription", "StreamProbes",
           "probe_all", "probe_device", "stream_targets"]


async def probe_all(devices: Sequence[DeviceFacts], credentials_for: Credentials | None = None, *,
                    concurrency: int = 64, timeout_s: float = 5.0, deadline_s: float = 20.0,
                    max_reply_bytes: int = 256 * 1024) -> None:
    """Probe every device's streams and store the RTSP facts in its sheet (in place)."""
    async with StreamProbes(credentials_for, concurrency=concurrency, timeout_s=timeout_s, deadline_s=deadline_s,
                            max_reply_bytes=max_reply_bytes) as probes:
        for device in devices:
            probes.start(device)
