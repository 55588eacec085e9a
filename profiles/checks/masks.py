"""Masking checks: views beyond the premises (streets, neighbours, public space) are masked.

GDPR 25, GR 6.1, CZ §2.11.4."""

from __future__ import annotations

from pydantic import Field

from probes import factvalues as fv
from profiles import places
from profiles.checks import _observe as obs
from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, Params, Unknown, check
from profiles.inventory import AreaType, Sector

_BEYOND = [AreaType.PERIMETER, AreaType.PUBLIC_STREET, AreaType.NEIGHBOUR_PROPERTY]


class FeatureMinimisationParams(Params):
    """GDPR art 5(1)(c)/25: audio and PTZ off unless justified; masks where the view leaves the premises."""

    mask_areas: list[AreaType] = Field(default_factory=lambda: list(_BEYOND),
                                       description="Areas whose view reaches beyond the premises")


@check("feature_minimisation", params=FeatureMinimisationParams)
def feature_minimisation(ctx: CheckContext[FeatureMinimisationParams]) -> CheckOutcome:
    """Audio and PTZ only when justified, masks where the view leaves the premises, recording only in hours."""
    decl = ctx.decl
    problems: list[str] = []
    audio = ctx.maybe(fv.media.AUDIO_IN_PROFILES)
    if audio is not MISSING and audio and not decl.audio:  # absent or `audio: false`
        problems.append(f"audio on (profiles {', '.join(map(str, audio))}) without a declared justification")
    ptz = ctx.maybe(fv.ptz.PRESENT)
    if ptz is not MISSING and ptz and not decl.ptz:
        problems.append("pan/tilt/zoom present without a declared justification")
    if decl.covers_public_space or places.within(decl.area, ctx.params.mask_areas):
        masks = ctx.maybe(fv.privacy.MASKS)
        if masks is not MISSING and not any(m.enabled for m in masks or []):
            problems.append(f"view reaches beyond the premises ({decl.area}) but no privacy mask is enabled")
    if not decl.recording:  # declared as live view only
        recording = ctx.maybe(fv.recording.ACTIVE)
        if recording is not MISSING and recording:
            problems.append("declared as live view only (`recording: false`), but a recording job is active")
    unknown: list[str] = []
    if decl.operating_hours is not None:  # the camera may only record within its declared operating hours
        ctx.declared("operating_hours")
        try:  # when it records (schedule read, else declared) against those hours over the coming week
            times = obs.recording_times(ctx)
        except Unknown as exc:
            unknown.append(str(exc))
        else:
            outside = obs.records_during(ctx, times, decl.operating_hours, outside=True)
            if outside and times is not None:
                problems.append(f"records outside its declared operating hours ({times.how}): "
                                f"{'; '.join(outside)}")
    ctx.declared("audio", required=False)
    ctx.declared("ptz", required=False)
    if problems:
        return ctx.failed("; ".join(problems))
    if unknown:
        raise Unknown("; ".join(unknown))
    ctx.require_all()
    return ctx.passed("no unjustified audio or PTZ; masks where needed")


class StreetParams(Params):
    """GR art 6.1: perimeter cameras must not film roads/sidewalks, except at high-security sites."""

    areas: list[AreaType] = Field(default_factory=lambda: [AreaType.PERIMETER, AreaType.PUBLIC_STREET])
    exempt_sectors: list[Sector] = Field(default_factory=lambda: [
        Sector.BANK, Sector.PUBLIC_ADMINISTRATION, Sector.CRITICAL_INFRASTRUCTURE, Sector.EU_INSTITUTION])
    exempt_areas: list[AreaType] = Field(default_factory=lambda: [AreaType.ATM_VESTIBULE],
                                         description="High-security places in any sector (GR art 6.1: ATMs)")


@check("street_masked", params=StreetParams)
def street_masked(ctx: CheckContext[StreetParams]) -> CheckOutcome:
    """Perimeter/street cameras mask the adjacent road and sidewalk (unless the site is high-security)."""
    decl = ctx.decl
    if not places.within(decl.area, ctx.params.areas) and not decl.covers_public_space:
        return ctx.not_applicable(f"area {decl.area} does not face a street")
    if places.within(ctx.sector, ctx.params.exempt_sectors, "sectors"):
        return ctx.passed(f"{ctx.sector}: high-security site, street capture may be allowed")
    if places.within(decl.area, ctx.params.exempt_areas):
        return ctx.passed(f"{decl.area}: high-security place, street capture may be allowed")
    if obs.enabled_masks(ctx):
        return ctx.passed("privacy masks enabled on the perimeter view")
    return ctx.failed(f"{decl.area} camera without any privacy mask: adjacent roads and sidewalks may be filmed")


@check("public_space_masked")
def public_space_masked(ctx: CheckContext[Params]) -> CheckOutcome:
    """A camera declared as covering public space limits it with privacy masks."""
    if not ctx.declared("covers_public_space", required=False) and not places.within(ctx.decl.area,
                                                                                        [AreaType.PUBLIC_STREET]):
        return ctx.not_applicable("not declared as covering public space")
    count = obs.enabled_masks(ctx)
    if count:
        return ctx.passed(f"covers public space, limited by {count} privacy mask(s)")
    return ctx.failed("covers public space but no privacy mask blurs or hides it")
