"""Cloud checks: remote services receiving footage are declared, and transfers outside the EEA are safeguarded."""

from __future__ import annotations

from typing import Any

from probes.egress.models import ServiceKind
from profiles.checks import _observe as obs
from profiles.checks._registry import CheckContext, CheckOutcome, Unknown, check
from profiles.inventory import CloudDeclaration, CloudField


def _clouds(declared: CloudField | None) -> list[CloudDeclaration]:
    """The declared services (`cloud: none` and no declaration both declare none)."""
    return declared if isinstance(declared, list) else []


def _listed(clouds: list[CloudDeclaration]) -> str:
    return ", ".join(f"{c.provider} ({c.region})" for c in clouds)


def _said_none(ctx: CheckContext[Any]) -> str:
    """How `cloud: none` was declared: on the camera, or as the site's default."""
    own = ctx.declaration is not None and ctx.declaration.cloud is not None
    return "declared `cloud: none`" if own else "declared `cloud: none` for the site (no `cloud:` of its own)"


@check("cloud_declared")
def cloud_declared(ctx: CheckContext[Any]) -> CheckOutcome:
    """Cloud, P2P, remote storage and event-broker services the camera uses are declared with provider and region."""
    observed = obs.cloud_services(ctx)
    declared = ctx.declared_cloud()
    clouds = _clouds(declared)
    if observed and declared == "none":
        return ctx.failed(f"{_said_none(ctx)}, but the camera uses remote services: {'; '.join(observed)}")
    if observed and not clouds:
        return ctx.failed(f"camera sends data to remote services not declared in the inventory: "
                          f"{'; '.join(observed)}")
    if observed:
        return ctx.passed(f"remote services ({'; '.join(observed)}) declared: {_listed(clouds)}")
    ctx.require_all()
    return ctx.passed("no cloud or remote service observed")


@check("third_country_transfer")
def third_country_transfer(ctx: CheckContext[Any]) -> CheckOutcome:
    """Footage stored outside the EEA has a transfer impact assessment and encryption; undeclared cloud fails."""
    observed = obs.cloud_services(ctx)
    declared = ctx.declared_cloud()
    clouds = _clouds(declared)
    if observed and declared == "none":
        return ctx.failed(f"{_said_none(ctx)}, but the camera uses remote services ({'; '.join(observed)}): "
                          f"where the footage goes, and whether it leaves the EEA, is not documented")
    if observed and not clouds:
        return ctx.failed(f"undeclared remote services ({'; '.join(observed)}): where the footage goes, and "
                          f"whether it leaves the EEA, is not documented")
    problems = []
    for cloud in clouds:
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
    if not clouds:
        return ctx.passed("no cloud or remote service observed or declared")
    return ctx.passed(f"declared services safeguarded: {_listed(clouds)}")


@check("egress_matches_configuration")
def egress_matches_configuration(ctx: CheckContext[Any]) -> CheckOutcome:
    """Traffic observed leaving the site does not contradict a "no cloud" configuration or declaration."""
    observation = obs.egress_observation(ctx)
    if observation is None:
        return ctx.not_applicable("no traffic observation for this camera (camaudit observe, scan --observe, "
                                  "evaluate --pcap)")
    window = f"{observation.window.seconds:.0f} s of {observation.window.source}"
    sent = [observation.describe(f) for f in observation.data_flows()]
    if not sent:
        return ctx.passed(f"no traffic to a cloud, P2P or unknown destination observed in {window} "
                          f"(not observed is not proof that there is none)")
    shown = _shown(sent)
    declared = ctx.declared_cloud()
    if declared == "none":
        return ctx.failed(f"{_said_none(ctx)}, but {shown}")
    clouds = _clouds(declared)
    allowed = {service for cloud in clouds for service in cloud.services}
    if allowed:  # the declarations name the services: traffic anywhere else contradicts them
        outside = [observation.describe(f) for f in observation.data_flows()
                   if f.service not in allowed and f.kind is not ServiceKind.STUN]
        if outside:
            return ctx.failed(f"declared to use only {', '.join(sorted(allowed))} (`services` under `cloud:`), "
                              f"but {_shown(outside)}")
        return ctx.passed(f"observed traffic ({shown}) goes only to the declared services "
                          f"({', '.join(sorted(allowed))}) and NAT traversal")
    configured = obs.configured_cloud(ctx)
    if not configured and not clouds:
        if ctx.missing:
            raise Unknown(f"{shown}; whether the camera is configured for a remote service is unknown: "
                          + "; ".join(ctx.missing.values()))
        return ctx.failed(f"configured without any cloud, uplink, remote storage or event broker and none declared "
                          f"under `cloud:`, but {shown}")
    ctx.forget(*list(ctx.missing))
    return ctx.passed(f"observed traffic ({shown}) goes where the camera is configured or declared to send data")


def _shown(sentences: list[str]) -> str:
    return "; ".join(sentences[:3]) + (f" and {len(sentences) - 3} more" if len(sentences) > 3 else "")
