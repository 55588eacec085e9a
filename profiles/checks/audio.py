"""Audio checks: sound recording is a serious intrusion (CZ §2.11.2) and prohibited without approval (GR art 6.5)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from probes import factvalues as fv
from profiles.checks import _observe as obs
from profiles.checks._registry import CheckContext, CheckOutcome, Params, Unknown, check


class AudioParams(Params):
    """Whether a justification suffices or an authority's approval reference is needed."""

    require_approval: bool = Field(default=False, description="Need `audio.approval_ref`, not just a reason")


def _streamed(ctx: CheckContext[Any]) -> bool | None:
    """Whether sound is in a stream per the RTSP probe (None: not known; never makes the check unknown)."""
    if ctx.device is None or not ctx.device.get(fv.rtsp.AUDIO_STREAMED).ok:
        return None
    return bool(ctx.maybe(fv.rtsp.AUDIO_STREAMED))


@check("audio_justified", params=AudioParams)
def audio_justified(ctx: CheckContext[AudioParams]) -> CheckOutcome:
    """Audio in a streamed/recorded media profile, or sound in a stream, needs a declared justification."""
    streamed = _streamed(ctx)
    try:
        profiles = obs.audio_profiles(ctx)
    except Unknown:
        if not streamed:
            raise
        profiles = []
    if not profiles and not streamed:
        return ctx.passed("no media profile carries audio" + (" and no stream carries sound (RTSP SDP)"
                                                                if streamed is False else ""))
    where = "; ".join(x for x in (f"audio in media profile(s) {', '.join(profiles)}" if profiles else "",
                                  "sound in the RTSP stream (SDP audio section)" if streamed else "") if x)
    justification = ctx.declared("audio", required=False)
    if not justification:
        said = " (declared `audio: false`)" if justification is False else ""
        return ctx.failed(f"{where}, but no `audio` justification is declared{said}")
    if ctx.params.require_approval:
        if justification.approval_ref is False:
            return ctx.failed(f"{where}; justified ({justification.reason}) but declared without the authority's "
                              f"approval (`audio.approval_ref: false`)")
        if not justification.approval_ref:
            raise Unknown(f"{where}, justified ({justification.reason}); whether the authority approved it is not "
                          f"declared: add `audio.approval_ref` (or `approval_ref: false` if there is no approval)")
        return ctx.passed(f"{where}, justified ({justification.reason}) and approved ({justification.approval_ref})")
    return ctx.passed(f"{where}, justified: {justification.reason}")


@check("audio_consistent")
def audio_consistent(ctx: CheckContext[Any]) -> CheckOutcome:
    """Each profile's stream carries sound exactly when the profile has an audio encoder (RTSP SDP vs ONVIF)."""
    none = obs.unsupported(ctx, "rtsp.audio_matches_profiles")
    if none is not None:
        return ctx.not_applicable(f"no stream to compare ({none.reason})")
    rows = ctx.fact(fv.rtsp.AUDIO_MATCHES_PROFILES) or []
    problems = []
    for row in rows:
        if row.streamed and not row.configured:
            problems.append(f"profile {row.profile} streams sound although no audio encoder is configured")
        elif row.configured and not row.streamed:
            problems.append(f"profile {row.profile} has an audio encoder but its stream carries no sound")
    if problems:
        return ctx.failed("; ".join(problems))
    if not rows:
        return ctx.not_applicable("no stream URI belongs to a media profile")
    return ctx.passed(f"audio configuration and streams agree for {len(rows)} profile(s)")
