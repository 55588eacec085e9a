"""Media2 (tr2, ver20): profiles with typed configurations, encoders (H.265 too), OSD, privacy masks."""

from __future__ import annotations

from typing import Any

from lab.model import Service
from lab.services import _mediacfg as mc
from lab.services._registry import Ctx, capabilities, op
from lab.soap import SoapRequest, sub

M2 = Service.MEDIA2
_TYPES = ("VideoSource", "VideoEncoder", "AudioSource", "AudioEncoder", "Analytics", "PTZ")


@capabilities(M2)
def media2_capabilities(ctx: Ctx, parent: Any) -> Any:
    caps = sub(parent, "tr2:Capabilities", attrs={"SnapshotUri": True, "Rotation": False, "VideoSourceMode": False,
                                                  "OSD": True, "Mask": True, "SourceMask": False})
    sub(caps, "tr2:ProfileCapabilities", attrs={"MaximumNumberOfProfiles": max(4, len(ctx.cam.media.profiles)),
                                                "ConfigurationsSupported": " ".join(_TYPES)})
    sub(caps, "tr2:StreamingCapabilities", attrs={"RTSPStreaming": True, "RTPMulticast": False,
                                                  "RTP_RTSP_TCP": True, "NonAggregateControl": False,
                                                  "AutoStartMulticast": False})
    return caps


@op(M2, "GetProfiles")
def get_profiles(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    cam = ctx.cam
    token = req.arg("Token")
    types = set(req.args("Type"))
    if "All" in types:
        types = set(_TYPES)
    profiles = [mc.find_profile(cam, token)] if token else cam.media.profiles
    for profile in profiles:
        index = cam.media.profiles.index(profile)
        el = sub(resp, "tr2:Profiles", attrs={"token": profile.token, "fixed": True})
        sub(el, "tr2:Name", profile.name or profile.token)
        if not types:
            continue  # no Type requested: the profile without configurations, as the spec says
        cfg = sub(el, "tr2:Configurations")
        if "VideoSource" in types:
            mc.video_source_configuration(cfg, "tr2:VideoSource", cam, profile.video_source)
        if "AudioSource" in types and profile.audio:
            mc.audio_source_configuration(cfg, "tr2:AudioSource", cam, profile.audio.source)
        if "VideoEncoder" in types:
            mc.video_encoder2_configuration(cfg, "tr2:VideoEncoder", profile)
        if "AudioEncoder" in types and profile.audio:
            mc.audio_encoder2_configuration(cfg, "tr2:AudioEncoder", profile, profile.audio)
        if "Analytics" in types and cam.analytics is not None:
            mc.analytics_configuration(cfg, "tr2:Analytics", cam)
        if "PTZ" in types and cam.ptz is not None and cam.ptz.nodes and index == 0:
            mc.ptz_configuration(cfg, "tr2:PTZ", cam.ptz.nodes[0].token)


def _profiles_for(ctx: Ctx, req: SoapRequest) -> list[Any]:
    token = req.arg("ProfileToken")
    return [mc.find_profile(ctx.cam, token)] if token else ctx.cam.media.profiles


@op(M2, "GetVideoSourceConfigurations")
def get_video_source_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    wanted = req.arg("ConfigurationToken")
    sources = dict.fromkeys(p.video_source for p in _profiles_for(ctx, req))
    for source in sources:
        if not wanted or mc.vsc_token(source) == wanted:
            mc.video_source_configuration(resp, "tr2:Configurations", ctx.cam, source)


@op(M2, "GetVideoEncoderConfigurations")
def get_video_encoder_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    wanted = req.arg("ConfigurationToken")
    for profile in _profiles_for(ctx, req):
        if not wanted or mc.vec_token(profile) == wanted:
            mc.video_encoder2_configuration(resp, "tr2:Configurations", profile)


@op(M2, "GetAudioSourceConfigurations")
def get_audio_source_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    wanted = req.arg("ConfigurationToken")
    for source in ctx.cam.media.audio_sources:
        if not wanted or mc.asc_token(source.token) == wanted:
            mc.audio_source_configuration(resp, "tr2:Configurations", ctx.cam, source.token)


@op(M2, "GetAudioEncoderConfigurations")
def get_audio_encoder_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    wanted = req.arg("ConfigurationToken")
    for profile in _profiles_for(ctx, req):
        if profile.audio and (not wanted or mc.aec_token(profile) == wanted):
            mc.audio_encoder2_configuration(resp, "tr2:Configurations", profile, profile.audio)


@op(M2, "GetOSDs")
def get_osds(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    token, wanted = req.arg("OSDToken"), req.arg("ConfigurationToken")
    for osd in ctx.cam.media.osd:
        if (not token or osd.token == token) and (not wanted or mc.vsc_token(osd.video_source) == wanted):
            mc.osd_configuration(resp, "tr2:OSDs", osd)


@op(M2, "GetMasks")
def get_masks(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    token, wanted = req.arg("Token"), req.arg("ConfigurationToken")
    for mask in ctx.cam.media.masks:
        if (token and mask.token != token) or (wanted and mc.vsc_token(mask.video_source) != wanted):
            continue
        el = sub(resp, "tr2:Masks", attrs={"token": mask.token})
        sub(el, "tr2:ConfigurationToken", mc.vsc_token(mask.video_source))
        poly = sub(el, "tr2:Polygon")
        for x, y in mask.polygon:
            sub(poly, "tt:Point", attrs={"x": float(x), "y": float(y)})
        sub(el, "tr2:Type", mask.type.value)
        if mask.type.value == "Color":
            sub(el, "tr2:Color", attrs={"X": 16.0, "Y": 128.0, "Z": 128.0,
                                        "Colorspace": "http://www.onvif.org/ver10/colorspace/YCbCr"})
        sub(el, "tr2:Enabled", mask.enabled)


@op(M2, "GetStreamUri")
def get_stream_uri(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    profile = mc.find_profile(ctx.cam, req.arg("ProfileToken"))
    sub(resp, "tr2:Uri", mc.stream_uri(ctx.host, ctx.cam, profile, ctx.rtsp_port))


@op(M2, "GetSnapshotUri")
def get_snapshot_uri(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    profile = mc.find_profile(ctx.cam, req.arg("ProfileToken"))
    sub(resp, "tr2:Uri", f"{ctx.base_url()}/onvif/snapshot/{profile.token}")


@op(M2, "GetAudioOutputConfigurations")
def get_audio_output_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    """ONVIF Media2 5.3: tt:AudioOutputConfiguration per output; lab profiles attach no audio output."""
    wanted, profile = req.arg("ConfigurationToken"), req.arg("ProfileToken")
    if profile:
        mc.find_profile(ctx.cam, profile)  # an unknown profile is ter:NoProfile
        return  # no lab profile has an audio output configuration
    for output in ctx.cam.media.audio_outputs:
        if not wanted or mc.aoc_token(output.token) == wanted:
            mc.audio_output_configuration(resp, "tr2:Configurations", output.token)


@op(M2, "GetAnalyticsConfigurations")
def get_analytics_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    """ONVIF Media2 5.2: the analytics configurations (the lab has at most one, used by every profile)."""
    wanted, profile = req.arg("ConfigurationToken"), req.arg("ProfileToken")
    if profile:
        mc.find_profile(ctx.cam, profile)
    analytics = ctx.cam.analytics
    if analytics is not None and (not wanted or analytics.configuration_token == wanted):
        mc.analytics_configuration(resp, "tr2:Configurations", ctx.cam)
