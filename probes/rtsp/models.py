"""Typed values of the RTSP facts: declared with the other fact families in probes/factvalues/rtsp.py."""

from __future__ import annotations

from probes.factvalues.rtsp import AudioMatch, MediaKind, RtspAuth, RtspServer, SdpMedia, StreamDescription

__all__ = ["AudioMatch", "MediaKind", "RtspAuth", "RtspServer", "SdpMedia", "StreamDescription"]
