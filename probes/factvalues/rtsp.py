"""RTSP facts (`rtsp.*`, `media.audio_streamed`): what OPTIONS and DESCRIBE showed on the stream URIs.

The models were first written for the RTSP probe (probes/rtsp, which re-exports them); the probe builds
them, checks and reports read their attributes.
"""

from __future__ import annotations

from enum import StrEnum

from probes.factvalues._base import FactValue, fact


class MediaKind(StrEnum):
    """The SDP media type of an `m=` line (RFC 8866 5.14)."""

    VIDEO = "video"
    AUDIO = "audio"
    APPLICATION = "application"  # ONVIF metadata, backchannel control ...
    OTHER = "other"


class SdpMedia(FactValue):
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


class StreamDescription(FactValue):
    """What DESCRIBE returned for one stream URI."""

    uri: str  # the URI the camera gave (credentials never kept)
    profile: str | None = None  # media profile token the URI belongs to
    anonymous: bool  # described without credentials
    media: tuple[SdpMedia, ...] = ()

    @property
    def audio(self) -> bool:
        """Sound from the camera is in the stream (a sendonly backchannel feeds the camera's speaker: not sound)."""
        return any(m.kind is MediaKind.AUDIO and m.direction != "sendonly" for m in self.media)


class RtspServer(FactValue):
    """`rtsp.server`: whether an RTSP server answered at the stream URIs' host and port."""

    answers: bool
    port: int
    tls: bool  # rtsps://
    server: str | None = None  # the Server header
    methods: tuple[str, ...] = ()  # the Public header of OPTIONS
    note: str | None = None  # why it does not answer (connection refused ...)


class RtspAuth(FactValue):
    """`rtsp.auth`: access control of the streams as observed with OPTIONS/DESCRIBE."""

    anonymous_streams: tuple[str, ...] = ()  # described without any credentials
    schemes: tuple[str, ...] = ()  # offered in WWW-Authenticate: "basic", "digest"
    basic_in_clear: bool  # Basic offered on plain rtsp:// (the password would travel readable)
    credentials_accepted: bool | None = None  # our Digest login worked (None: not tried)


class AudioMatch(FactValue):
    """One row of `rtsp.audio_matches_profiles`: a profile's audio encoder against sound in its stream."""

    profile: str
    configured: bool  # the profile has an audio encoder (ONVIF)
    streamed: bool  # its stream's SDP carries sound (RTSP)


SERVER = fact("rtsp.server", RtspServer, "rtsp:OPTIONS", "Whether an RTSP server answers at the stream URIs' port")
AUTH = fact("rtsp.auth", RtspAuth, "rtsp:DESCRIBE",
            "Streams described without credentials and the authentication schemes offered")
STREAMS = fact("rtsp.streams", list[StreamDescription], "rtsp:DESCRIBE",
               "Media sections of each stream's SDP (codec, size where given, audio)")
AUDIO_STREAMED = fact("media.audio_streamed", bool, "rtsp:DESCRIBE",
                      "Sound is in at least one stream (an SDP audio section)")
AUDIO_MATCHES_PROFILES = fact("rtsp.audio_matches_profiles", list[AudioMatch], "derived from media.profiles, "
                              "rtsp.streams", "Audio encoder configured vs sound in the stream, per profile")

SPECS = (SERVER, AUTH, STREAMS, AUDIO_STREAMED, AUDIO_MATCHES_PROFILES)
