"""Media facts: profiles, encoders, audio, on-screen displays (trt: Media1 or tr2: Media2)."""

from __future__ import annotations

from typing import Literal

from probes.factvalues._base import FactSpec, FactValue, fact


class MediaProfile(FactValue):
    """A media profile and the tokens of the configurations it uses (None: the profile has none)."""

    token: str
    name: str
    video_source: str | None = None  # the physical source token (SourceToken)
    video_encoder: str | None = None
    audio_source: str | None = None
    audio_encoder: str | None = None
    ptz: str | None = None
    analytics: str | None = None


class VideoEncoder(FactValue):
    token: str
    encoding: str
    width: int
    height: int
    fps: float | None = None  # RateControl/FrameRateLimit
    bitrate_kbps: int | None = None
    profiles: tuple[str, ...] = ()  # tokens of the profiles that use it


class Resolution(FactValue):
    width: int
    height: int


class AudioSource(FactValue):
    token: str
    channels: int | None = None  # None: Media2 names the input without its channels


class AudioEncoder(FactValue):
    token: str
    encoding: str
    profiles: tuple[str, ...] = ()


class AudioOutput(FactValue):
    token: str


class Osd(FactValue):
    token: str
    type: str  # Text | Image | Extended
    text_type: str | None = None  # Plain | Date | Time | DateAndTime ...
    text: str | None = None


class StreamUri(FactValue):
    """GetStreamUri (RTSP unicast; Media2, else Media1) of one media profile."""

    profile: str
    uri: str


MediaService = Literal["media2", "media1"]

PROFILES = fact("media.profiles", list[MediaProfile], "trt:GetProfiles | tr2:GetProfiles",
                "Media profiles and the configuration tokens they use")
VIDEO_ENCODERS = fact("media.video_encoders", list[VideoEncoder],
                      "trt:GetVideoEncoderConfigurations | tr2:GetVideoEncoderConfigurations", "Video encoders")
MAX_RESOLUTION = fact("media.max_resolution", Resolution, "derived from media.video_encoders",
                      "Largest encoder resolution")
AUDIO_SOURCES = fact("media.audio_sources", list[AudioSource], "trt:GetAudioSources", "Audio inputs (microphones)")
AUDIO_ENCODERS = fact("media.audio_encoders", list[AudioEncoder],
                      "tr2:GetProfiles | trt:GetProfiles | tr2:/trt:GetAudioEncoderConfigurations",
                      "Audio encoder configurations the media profiles use")
AUDIO_IN_PROFILES = fact("media.audio_in_profiles", list[str], "trt:GetProfiles | tr2:GetProfiles",
                         "Tokens of profiles that stream or record audio (audio encoder present)")
AUDIO_OUTPUTS = fact("media.audio_outputs", list[AudioOutput], "trt:GetAudioOutputs", "Audio outputs (talk-back)")
OSD = fact("media.osd", list[Osd], "trt:GetOSDs | tr2:GetOSDs", "On-screen displays")
OSD_DATETIME = fact("media.osd_datetime", bool, "derived from media.osd", "A date/time overlay is configured")
SERVICE: FactSpec[MediaService] = FactSpec("media.service", MediaService, "tds:GetServices",
                                           "Which media service was used")
STREAM_URIS = fact("media.stream_uris", list[StreamUri], "tr2:GetStreamUri | trt:GetStreamUri",
                   "RTSP stream URI of each media profile")

SPECS = (PROFILES, VIDEO_ENCODERS, MAX_RESOLUTION, AUDIO_SOURCES, AUDIO_ENCODERS, AUDIO_IN_PROFILES, AUDIO_OUTPUTS,
         OSD, OSD_DATETIME, SERVICE, STREAM_URIS)
