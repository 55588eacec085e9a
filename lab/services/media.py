"""Media (trt, ver10): profiles, sources, encoders, audio, OSD and stream URIs."""

from __future__ import annotations

from typing import Any

from lab.model import Service
from lab.services import _mediacfg as mc
from lab.services._registry import Ctx, capabilities, op
from lab.soap import SoapRequest, invalid_arg, sub

M = Service.MEDIA


@capabilities(M)
def media_capabilities(ctx: Ctx, parent: Any) -> Any:
    caps = sub(parent, "trt:Capabilities", attrs={"SnapshotUri": True, "Rotation": False,
                                                  "VideoSourceMode": False, "OSD": True})
    sub(caps, "trt:ProfileCapabilities", attrs={"MaximumNumberOfProfiles": max(4, len(ctx.cam.media.profiles))})
    sub(caps, "trt:StreamingCapabilities", attrs={"RTPMulticast": False, "RTP_TCP": True, "RTP_RTSP_TCP": True,
                                                  "NonAggregateControl": False, "NoRTSPStreaming": False})
    return caps


def profile_element(ctx: Ctx, parent: Any, name: str, profile: Any, index: int) -> Any:
    cam = ctx.cam
    el = sub(parent, name, attrs={"token": profile.token, "fixed": True})
    sub(el, "tt:Name", profile.name or profile.token)
    mc.video_source_configuration(el, "tt:VideoSourceConfiguration", cam, profile.video_source)
    if profile.audio:
        mc.audio_source_configuration(el, "tt:AudioSourceConfiguration", cam, profile.audio.source)
    if mc.media1_encodable(profile):
        mc.video_encoder_configuration(el, "tt:VideoEncoderConfiguration", profile)
    if profile.audio:
        mc.audio_encoder_configuration(el, "tt:AudioEncoderConfiguration", profile, profile.audio)
    if cam.analytics is not None:
        mc.analytics_configuration(el, "tt:VideoAnalyticsConfiguration", cam)
    if cam.ptz is not None and cam.ptz.nodes and index == 0:
        mc.ptz_configuration(el, "tt:PTZConfiguration", cam.ptz.nodes[0].token)
    return el


@op(M, "GetProfiles")
def get_profiles(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for index, profile in enumerate(ctx.cam.media.profiles):
        profile_element(ctx, resp, "trt:Profiles", profile, index)


@op(M, "GetProfile")
def get_profile(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    profile = mc.find_profile(ctx.cam, req.arg("ProfileToken"))
    profile_element(ctx, resp, "trt:Profile", profile, ctx.cam.media.profiles.index(profile))


@op(M, "GetVideoSources")
def get_video_sources(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    video_sources(ctx, resp, "trt:VideoSources")


def video_sources(ctx: Ctx, resp: Any, name: str) -> None:
    for source in ctx.cam.media.video_sources:
        width, height, fps = mc.source_resolution(ctx.cam, source)
        el = sub(resp, name, attrs={"token": source})
        sub(el, "tt:Framerate", float(fps))
        res = sub(el, "tt:Resolution")
        sub(res, "tt:Width", width)
        sub(res, "tt:Height", height)


@op(M, "GetVideoSourceConfigurations")
def get_video_source_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for source in ctx.cam.media.video_sources:
        mc.video_source_configuration(resp, "trt:Configurations", ctx.cam, source)


@op(M, "GetVideoEncoderConfigurations")
def get_video_encoder_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for profile in ctx.cam.media.profiles:
        if mc.media1_encodable(profile):
            mc.video_encoder_configuration(resp, "trt:Configurations", profile)


@op(M, "GetVideoEncoderConfiguration")
def get_video_encoder_configuration(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    token = req.arg("ConfigurationToken")
    for profile in ctx.cam.media.profiles:
        if mc.vec_token(profile) == token and mc.media1_encodable(profile):
            mc.video_encoder_configuration(resp, "trt:Configuration", profile)
            return
    raise invalid_arg("NoConfig", f"no video encoder configuration {token!r}")


@op(M, "GetAudioSources")
def get_audio_sources(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    audio_sources(ctx, resp, "trt:AudioSources")


def audio_sources(ctx: Ctx, resp: Any, name: str) -> None:
    for source in ctx.cam.media.audio_sources:
        el = sub(resp, name, attrs={"token": source.token})
        sub(el, "tt:Channels", source.channels)


@op(M, "GetAudioSourceConfigurations")
def get_audio_source_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for source in ctx.cam.media.audio_sources:
        mc.audio_source_configuration(resp, "trt:Configurations", ctx.cam, source.token)


@op(M, "GetAudioEncoderConfigurations")
def get_audio_encoder_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for profile in ctx.cam.media.profiles:
        if profile.audio:
            mc.audio_encoder_configuration(resp, "trt:Configurations", profile, profile.audio)


@op(M, "GetAudioOutputs")
def get_audio_outputs(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    audio_outputs(ctx, resp, "trt:AudioOutputs")


def audio_outputs(ctx: Ctx, resp: Any, name: str) -> None:
    for output in ctx.cam.media.audio_outputs:
        sub(resp, name, attrs={"token": output.token})


@op(M, "GetOSDs")
def get_osds(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    wanted = req.arg("ConfigurationToken")
    for osd in ctx.cam.media.osd:
        if not wanted or mc.vsc_token(osd.video_source) == wanted:
            mc.osd_configuration(resp, "trt:OSDs", osd)


def _media_uri(resp: Any, uri: str) -> None:
    el = sub(resp, "trt:MediaUri")
    sub(el, "tt:Uri", uri)
    sub(el, "tt:InvalidAfterConnect", False)
    sub(el, "tt:InvalidAfterReboot", False)
    sub(el, "tt:Timeout", "PT0S")


_TRT = "{http://www.onvif.org/ver10/media/wsdl}"
_TT = "{http://www.onvif.org/ver10/schema}"
_TRANSPORTS = ("UDP", "TCP", "RTSP", "HTTP")  # tt:TransportProtocol


@op(M, "GetStreamUri")
def get_stream_uri(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    """ONVIF Media 5.15.1: trt:StreamSetup (tt:Stream, tt:Transport/tt:Protocol) and trt:ProfileToken, the
    setup's parts in their WSDL namespaces; the lab streams unicast only (RTPMulticast="false" above)."""
    setup = req.body.find(f"{_TRT}StreamSetup")
    stream = setup.findtext(f"{_TT}Stream") if setup is not None else None
    protocol = setup.findtext(f"{_TT}Transport/{_TT}Protocol") if setup is not None else None
    if (stream or "").strip() != "RTP-Unicast" or (protocol or "").strip() not in _TRANSPORTS:
        raise invalid_arg("InvalidStreamSetup", "StreamSetup must name tt:Stream RTP-Unicast and a "
                          f"tt:Transport/tt:Protocol of {', '.join(_TRANSPORTS)} (got {stream!r}, {protocol!r})")
    profile = mc.find_profile(ctx.cam, req.arg("ProfileToken"))
    _media_uri(resp, mc.stream_uri(ctx.host, ctx.cam, profile, ctx.rtsp_port))


@op(M, "GetSnapshotUri")
def get_snapshot_uri(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    profile = mc.find_profile(ctx.cam, req.arg("ProfileToken"))
    _media_uri(resp, f"{ctx.base_url()}/onvif/snapshot/{profile.token}")


@op(M, "GetVideoAnalyticsConfigurations")
def get_video_analytics_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    """ONVIF Media 5.8: every video analytics configuration of the device."""
    if ctx.cam.analytics is not None:
        mc.analytics_configuration(resp, "trt:Configurations", ctx.cam)
