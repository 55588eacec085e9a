"""Audio checks: sound recording is a serious intrusion (CZ §2.11.2) and prohibited without approval (GR art 6.5)."""

from __future__ import annotations

from pydantic import Field

from profiles.checks import _observe as obs
from profiles.checks._registry import CheckContext, CheckOutcome, Params, check


class AudioParams(Params):
    """Whether a justification suffices or an authority's approval reference is needed."""

    require_approval: bool = Field(default=False, description="Need `audio.approval_ref`, not just a reason")


@check("audio_justified", params=AudioParams)
def audio_justified(ctx: CheckContext[AudioParams]) -> CheckOutcome:
    """Audio in a streamed/recorded media profile needs a declared justification (or approval)."""
    profiles = obs.audio_profiles(ctx)
    if not profiles:
        return ctx.passed("no media profile carries audio")
    where = f"audio in media profile(s) {', '.join(profiles)}"
    justification = ctx.declared("audio", required=False)
    if justification is None:
        return ctx.failed(f"{where}, but no `audio` justification is declared")
    if ctx.params.require_approval and not justification.approval_ref:
        return ctx.failed(f"{where}; justified ({justification.reason}) but without the authority's approval "
                          f"reference (`audio.approval_ref`)")
    return ctx.passed(f"{where}, justified: {justification.reason}")
