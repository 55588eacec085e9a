"""Audio checks: sound recording is a serious intrusion (CZ §2.11.2) and prohibited without approval (GR art 6.5)."""

from __future__ import annotations

from pydantic import Field

from profiles.checks import _observe as obs
from profiles.checks._registry import CheckContext, CheckOutcome, Params, Unknown, check


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
