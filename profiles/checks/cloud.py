"""Cloud checks: remote services receiving footage are declared, and transfers outside the EEA are safeguarded."""

from __future__ import annotations

from typing import Any

from profiles.checks import _observe as obs
from profiles.checks._registry import CheckContext, CheckOutcome, check


def _declared_clouds(ctx: CheckContext[Any]) -> str:
    return ", ".join(f"{c.provider} ({c.region})" for c in ctx.decl.cloud)


@check("cloud_declared")
def cloud_declared(ctx: CheckContext[Any]) -> CheckOutcome:
    """Cloud, P2P, remote storage and event-broker services the camera uses are declared with provider and region."""
    observed = obs.cloud_services(ctx)
    declared = ctx.declared("cloud", required=False)
    if observed and not declared:
        return ctx.failed(f"camera sends data to remote services not declared in the inventory: "
                          f"{'; '.join(observed)}")
    if observed:
        return ctx.passed(f"remote services ({'; '.join(observed)}) declared: {_declared_clouds(ctx)}")
    ctx.require_all()
    return ctx.passed("no cloud or remote service observed")


@check("third_country_transfer")
def third_country_transfer(ctx: CheckContext[Any]) -> CheckOutcome:
    """Footage stored outside the EEA has a transfer impact assessment and encryption; undeclared cloud fails."""
    observed = obs.cloud_services(ctx)
    declared = ctx.declared("cloud", required=False)
    if observed and not declared:
        return ctx.failed(f"undeclared remote services ({'; '.join(observed)}): where the footage goes, and "
                          f"whether it leaves the EEA, is not documented")
    problems = []
    for cloud in declared or []:
        if cloud.in_eea:
            continue
        if not cloud.tia_ref:
            problems.append(f"{cloud.provider} ({cloud.region}) is outside the EEA without a transfer impact "
                            f"assessment (`tia_ref`)")
        if not cloud.encrypted:
            problems.append(f"{cloud.provider} ({cloud.region}): encryption not declared")
    if problems:
        return ctx.failed("; ".join(problems))
    if not observed:
        ctx.require_all()
    if not declared:
        return ctx.passed("no cloud or remote service observed or declared")
    return ctx.passed(f"declared services safeguarded: {_declared_clouds(ctx)}")
