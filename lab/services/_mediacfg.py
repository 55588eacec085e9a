"""Media configuration elements shared by Media (trt) and Media2 (tr2): tokens and tt: content."""

from __future__ import annotations

from typing import Any

from lab.model import Audio, AudioEncoding, Camera, MediaProfile, Osd, OsdTextType
from lab.soap import sub

AUTO_TRACKING_NS = "urn:camaudit:lab:ptz"


def vsc_token(source: str) -> str:
    return f"VSC_{source}"


def vec_token(profile: MediaProfile) -> str:
    return f"VEC_{profile.token}"


def asc_token(source: str) -> str:
    return f"ASC_{source}"


def aoc_token(output: str) -> str:
    return f"AOC_{output}"


def aec_token(profile: MediaProfile) -> str:
    return f"AEC_{profile.token}"


def ptz_config_token(node: str) -> str:
    return f"PTZConfig_{node}"


def source_resolution(cam: Camera, source: str) -> tuple[int, int, int]:
    """(width, height, fps) of a video source: the largest encoder fed by it."""
    best = max((p.video for p in cam.media.profiles if p.video_source == source),
               key=lambda v: (v.width * v.height, v.fps))
    return best.width, best.height, best.fps


def use_count_vsc(cam: Camera, source: str) -> int:
    return sum(1 for p in cam.media.profiles if p.video_source == source)


def use_count_asc(cam: Camera, source: str) -> int:
    return sum(1 for p in cam.media.profiles if p.audio and p.audio.source == source)


def video_source_configuration(parent: Any, name: str, cam: Camera, source: str) -> Any:
    el = sub(parent, name, attrs={"token": vsc_token(source)})
    sub(el, "tt:Name", vsc_token(source))
    sub(el, "tt:UseCount", use_count_vsc(cam, source))
    sub(el, "tt:SourceToken", source)
    width, height, _ = source_resolution(cam, source)
    sub(el, "tt:Bounds", attrs={"x": 0, "y": 0, "width": width, "height": height})
    return el


def audio_source_configuration(parent: Any, name: str, cam: Camera, source: str) -> Any:
    el = sub(parent, name, attrs={"token": asc_token(source)})
    sub(el, "tt:Name", asc_token(source))
    sub(el, "tt:UseCount", use_count_asc(cam, source))
    sub(el, "tt:SourceToken", source)
    return el


def audio_output_configuration(parent: Any, name: str, output: str) -> Any:
    el = sub(parent, name, attrs={"token": aoc_token(output)})
    sub(el, "tt:Name", aoc_token(output))
    sub(el, "tt:UseCount", 0)
    sub(el, "tt:OutputToken", output)
    sub(el, "tt:OutputLevel", 50)
    return el


def multicast(parent: Any) -> None:
    m = sub(parent, "tt:Multicast")
    addr = sub(m, "tt:Address")
    sub(addr, "tt:Type", "IPv4")
    sub(addr, "tt:IPv4Address", "0.0.0.0")
    sub(m, "tt:Port", 0)
    sub(m, "tt:TTL", 1)
    sub(m, "tt:AutoStart", False)


def media1_encodable(profile: MediaProfile) -> bool:
    """Media1 cannot express H.265: such encoders only appear through Media2."""
    return profile.video.encoding.value in ("JPEG", "MPEG4", "H264")


def video_encoder_configuration(parent: Any, name: str, profile: MediaProfile) -> Any:
    v = profile.video
    el = sub(parent, name, attrs={"token": vec_token(profile)})
    sub(el, "tt:Name", vec_token(profile))
    sub(el, "tt:UseCount", 1)
    sub(el, "tt:Encoding", v.encoding.value)
    res = sub(el, "tt:Resolution")
    sub(res, "tt:Width", v.width)
    sub(res, "tt:Height", v.height)
    sub(el, "tt:Quality", float(v.quality))
    rc = sub(el, "tt:RateControl")
    sub(rc, "tt:FrameRateLimit", v.fps)
    sub(rc, "tt:EncodingInterval", 1)
    sub(rc, "tt:BitrateLimit", v.bitrate_kbps)
    if v.encoding.value == "H264":
        h = sub(el, "tt:H264")
        sub(h, "tt:GovLength", v.gov_length)
        sub(h, "tt:H264Profile", "Main")
    multicast(el)
    sub(el, "tt:SessionTimeout", "PT60S")
    return el


def video_encoder2_configuration(parent: Any, name: str, profile: MediaProfile) -> Any:
    v = profile.video
    el = sub(parent, name, attrs={"token": vec_token(profile), "GovLength": v.gov_length,
                                  "Profile": "Main"})
    sub(el, "tt:Name", vec_token(profile))
    sub(el, "tt:UseCount", 1)
    sub(el, "tt:Encoding", v.encoding.value)
    res = sub(el, "tt:Resolution")
    sub(res, "tt:Width", v.width)
    sub(res, "tt:Height", v.height)
    rc = sub(el, "tt:RateControl", attrs={"ConstantBitRate": False})
    sub(rc, "tt:FrameRateLimit", float(v.fps))
    sub(rc, "tt:BitrateLimit", v.bitrate_kbps)
    multicast(el)
    sub(el, "tt:Quality", float(v.quality))
    return el


_MIME = {AudioEncoding.AAC: "MP4A-LATM", AudioEncoding.G711: "PCMU", AudioEncoding.G726: "G726"}


def audio_encoder_configuration(parent: Any, name: str, profile: MediaProfile, audio: Audio) -> Any:
    el = sub(parent, name, attrs={"token": aec_token(profile)})
    sub(el, "tt:Name", aec_token(profile))
    sub(el, "tt:UseCount", 1)
    sub(el, "tt:Encoding", audio.encoding.value)
    sub(el, "tt:Bitrate", audio.bitrate_kbps)
    sub(el, "tt:SampleRate", audio.sample_rate_khz)
    multicast(el)
    sub(el, "tt:SessionTimeout", "PT60S")
    return el


def audio_encoder2_configuration(parent: Any, name: str, profile: MediaProfile, audio: Audio) -> Any:
    el = sub(parent, name, attrs={"token": aec_token(profile)})
    sub(el, "tt:Name", aec_token(profile))
    sub(el, "tt:UseCount", 1)
    sub(el, "tt:Encoding", _MIME[audio.encoding])
    multicast(el)
    sub(el, "tt:Bitrate", audio.bitrate_kbps)
    sub(el, "tt:SampleRate", audio.sample_rate_khz)
    return el


def ptz_configuration(parent: Any, name: str, node_token: str, auto_tracking: bool = False) -> Any:
    el = sub(parent, name, attrs={"token": ptz_config_token(node_token)})
    sub(el, "tt:Name", ptz_config_token(node_token))
    sub(el, "tt:UseCount", 1)
    sub(el, "tt:NodeToken", node_token)
    sub(el, "tt:DefaultPTZTimeout", "PT5S")
    if auto_tracking:  # no ONVIF element for it: a vendor element in the lax Extension, as vendors do
        from lxml import etree

        ext = sub(el, "tt:Extension")
        etree.SubElement(ext, f"{{{AUTO_TRACKING_NS}}}AutoTracking", nsmap={"labptz": AUTO_TRACKING_NS}).text = "true"
    return el


def analytics_configuration(parent: Any, name: str, cam: Camera) -> Any:
    from lab.services.analytics import config_item  # local import: analytics imports this module

    analytics = cam.analytics
    assert analytics is not None
    el = sub(parent, name, attrs={"token": analytics.configuration_token})
    sub(el, "tt:Name", analytics.configuration_token)
    sub(el, "tt:UseCount", len(cam.media.profiles))
    engine = sub(el, "tt:AnalyticsEngineConfiguration")
    for module in analytics.modules:
        config_item(engine, "tt:AnalyticsModule", module, analytics)
    rules = sub(el, "tt:RuleEngineConfiguration")
    for rule in analytics.rules:
        config_item(rules, "tt:Rule", rule, analytics)
    return el


def osd_configuration(parent: Any, name: str, osd: Osd) -> Any:
    el = sub(parent, name, attrs={"token": osd.token})
    sub(el, "tt:VideoSourceConfigurationToken", vsc_token(osd.video_source))
    sub(el, "tt:Type", osd.type.value)
    sub(sub(el, "tt:Position"), "tt:Type", osd.position)
    if osd.type.value == "Text":
        text = sub(el, "tt:TextString")
        text_type = osd.text_type or OsdTextType.PLAIN
        sub(text, "tt:Type", text_type.value)
        if text_type in (OsdTextType.DATE, OsdTextType.DATE_AND_TIME):
            sub(text, "tt:DateFormat", "yyyy-MM-dd")
        if text_type in (OsdTextType.TIME, OsdTextType.DATE_AND_TIME):
            sub(text, "tt:TimeFormat", "HH:mm:ss")
        if text_type is OsdTextType.PLAIN:
            sub(text, "tt:PlainText", osd.text or "")
    else:
        sub(sub(el, "tt:Image"), "tt:ImgPath", "logo.png")
    return el


def find_profile(cam: Camera, token: str | None) -> MediaProfile:
    from lab.soap import invalid_arg

    for profile in cam.media.profiles:
        if profile.token == token:
            return profile
    raise invalid_arg("NoProfile", f"no profile {token!r}")


def stream_uri(cam_host: str, cam: Camera, profile: MediaProfile, rtsp_port: int | None = None) -> str:
    """Where the profile streams: the lab RTSP listener when it runs, else the configured RTSP port."""
    from lab.model import NetworkProtocolName

    _, ports = cam.network.protocol(NetworkProtocolName.RTSP)
    return f"rtsp://{cam_host}:{rtsp_port or ports[0]}/onvif/stream/{profile.token}"
