"""Thermal (body-temperature) checks: EDPS orientations 2020 and the CNIL position on thermal cameras."""

from __future__ import annotations

import ipaddress
from typing import Any

from pydantic import Field

from probes import factvalues as fv
from probes.facts import DeviceFacts
from probes.factvalues.network import Dns
from probes.factvalues.recording import RecordingSummary
from profiles.checks import _observe as obs
from profiles.checks._registry import (
    MISSING,
    CheckContext,
    CheckOutcome,
    NotApplicable,
    Params,
    Unknown,
    check,
    describe_missing_fact,
)
from profiles.inventory import LegalBasis, Purpose
from profiles.naming import display_name


def _require_thermal(ctx: CheckContext[Any]) -> None:
    if not obs.is_thermal(ctx):
        raise NotApplicable("not a radiometric (temperature-measuring) camera")


@check("thermal_scope")
def thermal_scope(ctx: CheckContext[Any]) -> CheckOutcome:
    """A radiometric camera brings temperature checks inside data-protection law (the EDPS rules apply)."""
    _require_thermal(ctx)
    return ctx.passed("radiometric camera: automated temperature checks are processing of personal (health) data")


@check("thermal_legal_framework")
def thermal_legal_framework(ctx: CheckContext[Any]) -> CheckOutcome:
    """Body temperature is health data: a radiometric camera needs a declared legal framework."""
    _require_thermal(ctx)
    framework = ctx.declared("thermal_legal_framework", required=False)
    if not framework:
        return ctx.failed("radiometric camera measures body temperature (health data) with no legal framework "
                          "declared (`thermal_legal_framework`)")
    return ctx.passed(f"temperature measurement under {framework}")


@check("thermal_not_recorded")
def thermal_not_recorded(ctx: CheckContext[Any]) -> CheckOutcome:
    """Temperature checks are real-time only: no recording job, no edge storage, no stored history."""
    _require_thermal(ctx)
    problems = []
    jobs = ctx.maybe(fv.recording.JOBS)
    if jobs is not MISSING:
        active = [j.token for j in jobs or [] if j.active]
        if active:
            problems.append(f"recording job(s) active: {', '.join(active)}")
    summary = ctx.maybe(fv.recording.SUMMARY)
    if isinstance(summary, RecordingSummary) and summary.data_from:
        problems.append(f"stored footage since {summary.data_from}")
    targets = ctx.maybe(fv.recording.STORAGE_TARGETS)
    if targets is not MISSING and targets:
        problems.append(f"storage configured ({', '.join(t.type for t in targets)})")
    if problems:
        return ctx.failed("thermal images are kept: " + "; ".join(problems))
    ctx.require_all()
    return ctx.passed("no recording, no storage, no stored history")


def _segments(device: DeviceFacts) -> tuple[set[str], str | None]:
    """Network segments of a device: the discovery segment, else the networks of its interface addresses.

    Returns (segments, None) or (empty set, why unknown)."""
    fact = device.get(fv.network.SEGMENT)
    if fact.ok and fact.value:
        return {str(fact.value)}, None
    interfaces = device.value(fv.network.INTERFACES)
    if interfaces is not None:
        nets: set[str] = set()
        for iface in interfaces:
            for cidr in iface.ipv4:
                try:
                    nets.add(str(ipaddress.ip_interface(cidr).network))
                except ValueError:
                    continue
        if nets:
            return nets, None
    return set(), f"{describe_missing_fact('network.segment', fact)} and no interface address with a prefix"


@check("thermal_isolated")
def thermal_isolated(ctx: CheckContext[Any]) -> CheckOutcome:
    """The temperature camera is not on the same network segment as the CCTV cameras."""
    _require_thermal(ctx)
    me = ctx.device
    assert me is not None
    ctx.maybe(fv.network.SEGMENT)
    ctx.maybe(fv.network.INTERFACES)
    mine, why = _segments(me)
    if not mine:
        raise Unknown(f"segment of this camera unknown: {why}")
    fleet = ctx.fleet_cache.get("thermal_isolated.fleet")
    if fleet is None:  # computed once per evaluation: (device, segments) of every non-thermal camera
        fleet = ctx.fleet_cache["thermal_isolated.fleet"] = [
            (other, _segments(other)[0]) for other in ctx.devices if other.value(fv.thermal.RADIOMETRY) is not True]
    same: list[str] = []
    unknown = 0
    for other, theirs in fleet:
        if other is me:
            continue
        if not theirs:
            unknown += 1
        elif theirs & mine:
            same.append(display_name(other.device_id, declared=ctx.matches.get(other.device_id), device=other))
    where = ", ".join(sorted(mine))
    if same:
        shown = ", ".join(same[:5]) + (f" and {len(same) - 5} more" if len(same) > 5 else "")
        return ctx.failed(f"on segment {where} together with {len(same)} CCTV camera(s): {shown}")
    if unknown:
        raise Unknown(f"network segment unknown for {unknown} other camera(s)")
    return ctx.passed(f"alone on segment {where}")


@check("thermal_network_isolated")
def thermal_network_isolated(ctx: CheckContext[Any]) -> CheckOutcome:
    """The temperature camera cannot reach other networks: no default gateway, no DNS, no cloud service."""
    _require_thermal(ctx)
    problems = []
    gateway = ctx.maybe(fv.network.GATEWAY)
    if gateway is not MISSING and gateway:
        problems.append(f"default gateway {', '.join(map(str, gateway))}")
    dns = ctx.maybe(fv.network.DNS)
    if isinstance(dns, Dns) and (dns.servers or dns.from_dhcp):
        problems.append(f"DNS {', '.join(dns.servers or ['from DHCP'])}")
    problems.extend(obs.cloud_services(ctx))
    if problems:
        return ctx.failed("can transmit beyond its own network: " + "; ".join(problems))
    ctx.require_all()
    return ctx.passed("no route, DNS or cloud service out of its network")


@check("thermal_automated_decision")
def thermal_automated_decision(ctx: CheckContext[Any]) -> CheckOutcome:
    """An automated check that can refuse entry needs human review (or voluntary explicit consent)."""
    _require_thermal(ctx)
    if ctx.declared("legal_basis", required=False) == LegalBasis.EXPLICIT_CONSENT:
        return ctx.passed("voluntary checks under explicit consent")
    review = ctx.declared("human_review")
    if not review:
        return ctx.failed("automated refusal of entry without human review (second measurement by staff)")
    return ctx.passed("a person reviews every refusal")


class CalibrationParams(Params):
    """EDPS: documented threshold and regular calibration."""

    max_calibration_age_days: int = Field(default=365, gt=0)


@check("thermal_calibration", params=CalibrationParams)
def thermal_calibration(ctx: CheckContext[CalibrationParams]) -> CheckOutcome:
    """The temperature threshold is declared and the last calibration is recent."""
    _require_thermal(ctx)
    threshold = ctx.declared("temperature_threshold_c", required=False)
    calibrated = ctx.declared("calibration_date", required=False)
    missing = [f"`{name}`" for name, value in (("temperature_threshold_c", threshold),
                                               ("calibration_date", calibrated)) if value is None]
    age = (ctx.today - calibrated).days if calibrated is not None else None
    if age is not None and age > ctx.params.max_calibration_age_days:
        also = f"; {' and '.join(missing)} not declared" if missing else ""
        return ctx.failed(f"last calibration {calibrated} is {age} days old (max "
                          f"{ctx.params.max_calibration_age_days}){also}")
    if missing:
        raise Unknown(f"declaration field {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing for "
                      f"camera {ctx.decl.name!r}: add it to the site file")
    return ctx.passed(f"threshold {threshold} °C, calibrated {calibrated} ({age} days ago)")


class ThermalPurposeParams(Params):
    allowed: list[Purpose] = Field(default_factory=lambda: [Purpose.TEMPERATURE_SCREENING, Purpose.ACCESS_CONTROL])


@check("thermal_purpose", params=ThermalPurposeParams)
def thermal_purpose(ctx: CheckContext[ThermalPurposeParams]) -> CheckOutcome:
    """The temperature camera serves only to filter access to the premises."""
    _require_thermal(ctx)
    purposes = ctx.declared("purposes")
    extra = [p for p in purposes if p not in ctx.params.allowed]
    if extra:
        return ctx.failed(f"temperature data also used for {', '.join(extra)}")
    return ctx.passed(f"used only for {', '.join(purposes)}")
