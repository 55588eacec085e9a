"""PTZ checks: moving cameras are minimised (CZ §2.1.2) and only used under live supervision (GR art 6.4)."""

from __future__ import annotations

from typing import Any

from probes import factvalues as fv
from profiles.checks import _observe as obs
from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, Unknown, check


@check("ptz_minimised")
def ptz_minimised(ctx: CheckContext[Any]) -> CheckOutcome:
    """Pan/tilt/zoom is only present where the declared purpose needs it (a `ptz` justification)."""
    if not ctx.fact(fv.ptz.PRESENT):
        return ctx.passed("fixed camera (no pan/tilt/zoom)")
    justification = ctx.declared("ptz", required=False)
    patrol = obs.ptz_patrolling(ctx)
    moving = f" and moves on its own ({', '.join(patrol)})" if patrol else ""
    if not justification:
        said = " (declared `ptz: false`)" if justification is False else ""
        return ctx.failed(f"camera can pan/tilt/zoom{moving}, and no `ptz` justification is declared{said}")
    return ctx.passed(f"pan/tilt/zoom justified: {justification.reason}")


@check("ptz_supervised")
def ptz_supervised(ctx: CheckContext[Any]) -> CheckOutcome:
    """A PTZ camera needs an operator watching in real time and privacy masks limiting its view."""
    if not ctx.fact(fv.ptz.PRESENT):
        return ctx.not_applicable("fixed camera (no pan/tilt/zoom)")
    problems: list[str] = []
    unknown: list[str] = []
    live = ctx.declared("realtime_monitoring", required=False)
    if live is False:
        problems.append("declared without a real-time operator (`realtime_monitoring: false`)")
    elif live is None:
        unknown.append("whether an operator watches live is not declared (`realtime_monitoring: true/false`)")
    masks = ctx.maybe(fv.privacy.MASKS)
    if masks is not MISSING and not any(m.enabled for m in masks or []):
        problems.append("no privacy mask limits the view")
    if problems:
        return ctx.failed("PTZ camera: " + "; ".join(problems))
    if unknown:
        raise Unknown("PTZ camera: " + "; ".join(unknown))
    ctx.require_all()
    return ctx.passed("PTZ camera watched live, with privacy masks")
