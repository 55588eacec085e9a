"""Pixel-density checks: is it personal data (CZ §1.2), and does the resolution fit the purpose (CZ §2.1.2-3)?"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from profiles.checks import _observe as obs
from profiles.checks._registry import CheckContext, CheckOutcome, Params, Unknown, check
from profiles.inventory import ViewLevel
from profiles.pixels import dori_level, level_rank, pixels_per_metre


def density(ctx: CheckContext[Any]) -> tuple[float, ViewLevel]:
    """Pixel density at the declared distance and the DORI level it reaches."""
    width, _height = obs.max_resolution(ctx)
    if width <= 0:
        raise Unknown("fact `media.max_resolution` has no width")
    geometry = ctx.declared("geometry")
    pxm = pixels_per_metre(width, geometry.distance_m, geometry.hfov_deg)
    return pxm, dori_level(pxm)


class PersonalDataParams(Params):
    threshold_px_per_m: float = Field(default=25.0, gt=0, description="Density from which people are identifiable")


@check("personal_data_threshold", params=PersonalDataParams)
def personal_data_threshold(ctx: CheckContext[PersonalDataParams]) -> CheckOutcome:
    """Whether the image is personal data; a camera declared as monitoring-only must stay below the threshold."""
    pxm, level = density(ctx)
    personal = pxm > ctx.params.threshold_px_per_m
    needed = ctx.declared("needed_view", required=False)
    status = "personal data" if personal else "below the personal-data threshold"
    if personal and needed == ViewLevel.MONITORING:
        return ctx.failed(f"declared as monitoring only, but {pxm:.0f} px/m ({level}) makes people identifiable: "
                          f"the footage is personal data")
    return ctx.passed(f"{pxm:.0f} px/m at the declared distance ({level}): {status}")


class FitParams(Params):
    max_levels_above: int = Field(default=1, ge=0, description="DORI levels above the need tolerated")


@check("resolution_fits_purpose", params=FitParams)
def resolution_fits_purpose(ctx: CheckContext[FitParams]) -> CheckOutcome:
    """The DORI level reached matches the declared need: not far above it, not below it."""
    pxm, level = density(ctx)
    needed = ctx.declared("needed_view")
    gap = level_rank(level) - level_rank(needed)
    if gap > ctx.params.max_levels_above:
        return ctx.failed(f"{pxm:.0f} px/m reaches {level}, but the purpose needs only {needed}: lower the "
                          f"resolution or widen the view")
    if gap < 0:
        return ctx.failed(f"{pxm:.0f} px/m reaches only {level}; the declared purpose needs {needed}")
    return ctx.passed(f"{pxm:.0f} px/m reaches {level}, fitting the declared need ({needed})")
