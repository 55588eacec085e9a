"""Typed values of the RTSP facts (`rtsp.*`, `media.audio_streamed`): one model per fact, dumped to JSON data.

The RTSP probe builds these; checks and reports read the same shapes back with `model_validate`, so the
value of a fact has one definition (docs/facts.md, "RTSP").
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MediaKind(StrEnum):
    """The SDP media type of an `m=` line (RFC 8866 5.14)."""

    VIDEO = "video"
    AUDIO = "audio"
    APPLICATION = "application"  # ONVIF metadata, backchannel control ...
    OTHER = "other"


class SdpMedia(_Value):
    """One `m=` section: what the stream carries, as far as the SDP says."""

    kind: MediaKind
    codec: str | None = None  # "H264", "H265", "JPEG", "PCMU", "MPEG4-GENERIC" ... (rtpmap or static type)
    payload_type: int | None = None
    clock_rate: int | None = None
    channels: int | None = None
    width: int | None = None  # only when the SDP gives it (framesize, x-dimensions, cliprect, SPS)
    height: int | None = None
    direction: str | None = None  # recvonly (the client receives) / sendonly (ONVIF backchannel: the client sends)
    control: str | None = None


class StreamDescription(_Value):
    """What DESCRIBE returned for one stream URI."""

    uri: str  # the URI the camera gave (credentials never kept)
    profile: str | None = None  # media profile token the URI belongs to
    anonymous: bool  # described without credentials
    media: list[SdpMedia] = Field(default_factory=list)

    @property
    def audio(self) -> bool:
        """Sound from the camera is in the stream (a sendonly backchannel feeds the camera's speaker: not sound)."""
        return any(m.kind is MediaKind.AUDIO and m.direction != "sendonly" for m in self.media)


class RtspServer(_Value):
    """`rtsp.server`: whether an RTSP server answered at the stream URIs' host and port."""

    answers: bool
    port: int
    tls: bool = False  # rtsps://
    server: str | None = None  # the Server header
    methods: list[str] = Field(default_factory=list)  # the Public header of OPTIONS
    note: str | None = None  # why it does not answer (connection refused ...)


class RtspAuth(_Value):
    """`rtsp.auth`: access control of the streams as observed with OPTIONS/DESCRIBE."""

    anonymous_streams: list[str] = Field(default_factory=list)  # described without any credentials
    schemes: list[str] = Field(default_factory=list)  # offered in WWW-Authenticate: "basic", "digest"
    basic_in_clear: bool = False  # Basic offered on plain rtsp:// (the password would travel readable)
    credentials_accepted: bool | None = None  # our Digest login worked (None: not tried)
