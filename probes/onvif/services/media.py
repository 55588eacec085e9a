"""Media (Media2 first, else Media1): the profiles every other reader waits for, encoders, audio, OSD and
privacy masks (Media2 only)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from probes.errors import DeviceError
from probes.facts import FactStatus
from probes.factvalues.media import MediaProfile, Osd, Resolution, StreamUri, VideoEncoder
from probes.onvif import _parsers as P
from probes.onvif._ns import Service
from probes.onvif._soap import OperationUnsupported, Params
from probes.onvif._transport import Reply
from probes.onvif._xml import Element
from probes.onvif.services._context import MAX_FANOUT, Outcome, ReadContext, evidence_of

KEYS = ("media.service", "media.profiles", "media.video_encoders", "media.max_resolution",
        "media.audio_sources", "media.audio_encoders", "media.audio_in_profiles", "media.audio_outputs",
        "media.osd", "media.osd_datetime", "privacy.masks", "media.stream_uris")
"""The facts this reader sets."""


async def read_media(ctx: ReadContext) -> None:
    ctx.sheet.start(*KEYS)
    try:
        await _media(ctx)
    finally:
        ctx.profiles_ready.set()


async def _media(ctx: ReadContext) -> None:
    m2 = Service.MEDIA2 in ctx.urls
    m1 = Service.MEDIA in ctx.urls
    service: Service | None = None
    caveat = None
    op, out = "", None  # the profiles' request and reply
    if m2:
        op = "tr2:GetProfiles"
        out = await ctx.call(op, (("Type", "All"),))
        if isinstance(out, Reply) or not m1:
            ctx.profiles = ctx.record("media.profiles", op, out, P.media2_profiles)
            service = Service.MEDIA2
        else:
            caveat = f"tr2:GetProfiles failed ({out}); fell back to Media1"
    if service is None and m1:
        op = "trt:GetProfiles"
        out = await ctx.call(op)
        ctx.profiles = ctx.record("media.profiles", op, out, P.media1_profiles, reason=caveat)
        service = Service.MEDIA
    if service is None:
        reason = ctx.no_service_reason(Service.MEDIA)
        for key in ("media.profiles", "media.service"):
            ctx.sheet.fail(key, ctx.no_service_status(), "tds:GetServices", reason)
    else:
        services_fact = ctx.sheet.facts.get("services")
        ctx.sheet.ok("media.service", "media2" if service is Service.MEDIA2 else "media1",
                      services_fact.source if services_fact else "tds:GetServices",
                      services_fact.evidence if services_fact else None, reason=caveat)
    ctx.profiles_fact = ctx.sheet.facts.get("media.profiles")
    ctx.profiles_ready.set()
    ns = Service.MEDIA2.namespace if service is Service.MEDIA2 else Service.MEDIA.namespace
    px = "tr2" if service is Service.MEDIA2 else "trt"
    profiles = ctx.profiles
    caveat_p = None if profiles is not None else "profiles unknown, so each entry's `profiles` list is empty"
    reads: list[Awaitable[object]] = [
        _read_with(ctx, f"{px}:GetVideoEncoderConfigurations", "media.video_encoders",
                        lambda el: P.video_encoders(el, ns, profiles), caveat_p),
        ctx.read("media.osd", f"{px}:GetOSDs", lambda el: P.osds(el, ns)),
    ]
    if not _audio_encoders_from_profiles(ctx, op, out, ns):
        reads.append(_read_with(ctx, f"{px}:GetAudioEncoderConfigurations", "media.audio_encoders",
                                lambda el: P.audio_encoders(el, ns, profiles), caveat_p))
    if m1:
        reads += [ctx.read("media.audio_sources", "trt:GetAudioSources", P.audio_sources),
                  ctx.read("media.audio_outputs", "trt:GetAudioOutputs", P.audio_outputs)]
    else:
        reads += [ctx.read("media.audio_sources", "tr2:GetAudioSourceConfigurations",
                            P.audio_source_configurations),
                  ctx.read("media.audio_outputs", "tr2:GetAudioOutputConfigurations",
                            P.audio_output_configurations)]
    if m2:
        reads.append(ctx.read("privacy.masks", "tr2:GetMasks", P.masks))
    else:
        ctx.sheet.fail("privacy.masks", ctx.no_service_status(), "tr2:GetMasks",
                        "privacy masks are only readable through Media2, which the device does not offer"
                        if ctx.services_known else ctx.no_service_reason(Service.MEDIA2))
    stream_ops = [op for op, offered in (("tr2:GetStreamUri", m2), ("trt:GetStreamUri", m1)) if offered]
    if stream_ops:
        reads.append(_stream_uris(ctx, profiles, stream_ops))
    else:
        ctx.sheet.fail("media.stream_uris", ctx.no_service_status(), "tr2:GetStreamUri",
                       ctx.no_service_reason(Service.MEDIA))
    await asyncio.gather(*reads)
    ctx.derive("media.max_resolution", ["media.video_encoders"], _max_resolution)
    ctx.derive("media.osd_datetime", ["media.osd"], _osd_datetime)
    ctx.derive("media.audio_in_profiles", ["media.profiles"], _audio_in_profiles)


# Media1 asks for the stream by its setup (ONVIF Media 5.15.1): unicast RTP, RTSP as the transport.
MEDIA1_STREAM_SETUP = (("tt:Stream", "RTP-Unicast"), ("tt:Transport", (("tt:Protocol", "RTSP"),)))


def _stream_request(op: str, token: str) -> Params:
    if op == "trt:GetStreamUri":
        return (("StreamSetup", MEDIA1_STREAM_SETUP), ("ProfileToken", token))
    return (("Protocol", "RtspUnicast"), ("ProfileToken", token))


async def _stream_uris(ctx: ReadContext, profiles: list[MediaProfile] | None, ops: list[str]) -> None:
    """GetStreamUri (RTSP unicast) per profile, for the RTSP probe (probes/rtsp); all must answer. Media2 first;
    Media1 when the device has no Media2 or its Media2 answers that it does not implement GetStreamUri."""
    op, key = ops[0], "media.stream_uris"
    if profiles is None:
        ctx.sheet.fail(key, FactStatus.NOT_PROBED, op, ctx.profiles_failed())
        return
    tokens = [p.token for p in profiles][:MAX_FANOUT]
    if not tokens:
        ctx.sheet.ok(key, [], op, None)
        return
    caveat = None
    first = await ctx.call(op, _stream_request(op, tokens[0]))  # alone: its answer decides Media2 or Media1
    if isinstance(first, OperationUnsupported) and len(ops) > 1:
        caveat = f"{op} failed ({first}); read through Media1"
        op = ops[1]
        first = await ctx.call(op, _stream_request(op, tokens[0]))
    parse = P.media1_stream_uri if op == "trt:GetStreamUri" else P.stream_uri
    outcomes = [first, *await asyncio.gather(*(ctx.call(op, _stream_request(op, t)) for t in tokens[1:]))]
    rows: list[StreamUri] = []
    for token, outcome in zip(tokens, outcomes, strict=True):
        if isinstance(outcome, DeviceError):
            ctx.record(key, op, outcome, parse, reason="; ".join(x for x in (f"profile {token}", caveat) if x))
            return
        try:
            rows.append(StreamUri(profile=token, uri=parse(outcome.element)))
        except DeviceError as exc:
            ctx.sheet.fail(key, FactStatus.ERROR, op, f"{token}: {exc}", evidence_of(op, outcome))
            return
    evidence = evidence_of(op, first)
    capped = None if len(profiles) <= MAX_FANOUT else f"only the first {MAX_FANOUT} of {len(profiles)} profiles asked"
    ctx.sheet.ok(key, rows, op, evidence, reason="; ".join(x for x in (caveat, capped) if x) or None)


def _audio_encoders_from_profiles(ctx: ReadContext, op: str, out: Outcome | None, ns: str) -> bool:
    """media.audio_encoders from the profiles' reply, which carries every configuration a profile uses, instead
    of asking GetAudioEncoderConfigurations; False (ask it) when the profiles were not read or name one without
    its settings. The trade (docs/facts.md): a configuration no profile uses, which encodes no sound any
    stream or recording carries, is not listed; the video encoder configurations are still all asked for."""
    if ctx.profiles is None or not isinstance(out, Reply):
        return False
    encoders = P.profile_audio_encoders(out.element, ns, ctx.profiles)
    if encoders is None:
        return False
    ctx.sheet.ok("media.audio_encoders", encoders, op, evidence_of(op, out),
                 reason=f"the audio encoder configurations the media profiles use, as {op} gave them")
    return True


async def _read_with(ctx: ReadContext, op: str, key: str, parse: Callable[[Element], object],
                     reason: str | None) -> None:
    ctx.sheet.start(key)
    ctx.record(key, op, await ctx.call(op), parse, reason=reason)


def _max_resolution(encoders: list[VideoEncoder]) -> Resolution | None:
    if not encoders:
        return None
    best = max(encoders, key=lambda e: (e.width * e.height, e.width))
    return Resolution(width=best.width, height=best.height)


def _osd_datetime(osds: list[Osd]) -> bool:
    """A date-and-time overlay: one DateAndTime text OSD, or a Date and a Time one."""
    kinds = {o.text_type for o in osds if o.type == "Text"}
    return "DateAndTime" in kinds or {"Date", "Time"} <= kinds


def _audio_in_profiles(profiles: list[MediaProfile]) -> list[str]:
    """Profiles that stream or record sound: those with an audio encoder."""
    return [p.token for p in profiles if p.audio_encoder]
