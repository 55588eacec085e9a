"""Retention checks: a maximum is set, justified beyond the usual limit, within legal limits (GDPR 5(1)(e))."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from profiles.checks import _observe as obs
from profiles.checks._registry import CheckContext, CheckOutcome, Params, check
from profiles.inventory import Sector


@check("retention_configured")
def retention_configured(ctx: CheckContext[Any]) -> CheckOutcome:
    """Every recording on the camera has a maximum retention, and it does not exceed the declared retention."""
    observed = obs.retention(ctx)
    if observed is None or observed.unlimited:
        return _unbounded(ctx, observed)
    declared = ctx.declared("retention_hours")
    if observed.hours > declared:
        kept = (f"footage is kept {obs.format_hours(observed.hours)} ({'; '.join(observed.places)})"
                if observed.places else f"camera keeps footage {obs.format_hours(observed.hours)}")
        return ctx.failed(f"{kept}, longer than the declared {obs.format_hours(declared)}")
    return ctx.passed(f"{observed.describe()}, within the declared {obs.format_hours(declared)}")


NOTHING_RECORDED = "nothing is recorded: declared `recording: false`, and the camera stores no recordings"


def _unbounded(ctx: CheckContext[Any], observed: obs.Retention | None) -> CheckOutcome:
    """Nothing recorded (not applicable), or footage kept without a limit (failed)."""
    if observed is None:
        return ctx.not_applicable(NOTHING_RECORDED)
    return ctx.failed(observed.describe())


def _effective_hours(ctx: CheckContext[Any]) -> tuple[float, str] | None:
    """Observed retention on the camera and its recorders; None when nothing is kept (see obs.retention)."""
    observed = obs.retention(ctx)
    if observed is None:
        return None
    return observed.hours, observed.describe()


class RetentionJustifiedParams(Params):
    """CZ §2.1.4: retention beyond the usual limit must be justified."""

    limit_hours: float = Field(default=72, gt=0, description="Retention that needs no special reason")


@check("retention_justified", params=RetentionJustifiedParams)
def retention_justified(ctx: CheckContext[RetentionJustifiedParams]) -> CheckOutcome:
    """Retention above the usual limit has a declared justification."""
    effective = _effective_hours(ctx)
    if effective is None:
        return ctx.not_applicable(NOTHING_RECORDED)
    hours, what = effective
    limit = ctx.params.limit_hours
    if hours <= limit:
        return ctx.passed(f"{what}, within {obs.format_hours(limit)}")
    reason = ctx.declared("retention_justification", required=False)
    if not reason:
        return ctx.failed(f"{what} exceeds {obs.format_hours(limit)} and no `retention_justification` "
                          f"is declared")
    return ctx.passed(f"{what} exceeds {obs.format_hours(limit)}, justified: {reason}")


@check("retention_bounded")
def retention_bounded(ctx: CheckContext[Any]) -> CheckOutcome:
    """A maximum retention is set: storage capacity must not decide how long footage is kept."""
    observed = obs.retention(ctx)
    if observed is None or observed.unlimited:
        return _unbounded(ctx, observed)
    return ctx.passed(observed.describe())


class RetentionLimitParams(Params):
    """A hard legal maximum."""

    max_hours: float = Field(gt=0, description="Longest allowed retention, hours")
    exempt_sectors: list[Sector] = Field(default_factory=list,
                                         description="Sectors with their own limit (another rule judges them)")


@check("retention_limit", params=RetentionLimitParams)
def retention_limit(ctx: CheckContext[RetentionLimitParams]) -> CheckOutcome:
    """Footage is kept no longer than the legal maximum."""
    if ctx.params.exempt_sectors:
        sector = ctx.sector
        if sector in ctx.params.exempt_sectors:
            return ctx.not_applicable(f"{sector} has its own retention limit (sector rule)")
    effective = _effective_hours(ctx)
    if effective is None:
        return ctx.not_applicable(NOTHING_RECORDED)
    hours, what = effective
    limit = ctx.params.max_hours
    if hours > limit:
        return ctx.failed(f"{what} exceeds the maximum of {obs.format_hours(limit)}")
    return ctx.passed(f"{what}, within the maximum of {obs.format_hours(limit)}")
