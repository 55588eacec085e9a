"""Sector rules of the Hellenic DPA Directive 1/2011 (art 14-21): allowed places, school and worship hours."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from profiles.checks import _observe as obs
from profiles.checks._registry import CheckContext, CheckOutcome, NotApplicable, Params, Unknown, check
from profiles.findings import Result
from profiles.inventory import AreaType, Purpose, Sector
from profiles.timewindows import in_window, parse_window


def _closed_means_general_rules(ctx: CheckContext[Any]) -> None:
    """GR art 14.3: the sector's special conditions apply while the premises are open."""
    if not ctx.premises_open():
        raise NotApplicable(f"premises closed at {ctx.local_at:%a %H:%M} ({ctx.inventory.timezone}): "
                            f"the general rules apply")


class SectorAreasParams(Params):
    """Where a sector may have cameras."""

    allowed: list[AreaType] = Field(default_factory=list)
    banned: list[AreaType] = Field(default_factory=list)
    conditional: dict[AreaType, str] = Field(default_factory=dict,
                                             description="Allowed only under a condition a person must verify")
    unlisted: Literal["fail", "manual"] = "fail"
    while_open: bool = Field(default=False, description="Special rules apply only while the premises are open")


@check("sector_areas", params=SectorAreasParams)
def sector_areas(ctx: CheckContext[SectorAreasParams]) -> CheckOutcome:
    """The camera watches a place the sector rules allow."""
    area = ctx.declared("area")
    p = ctx.params
    if area in p.banned:
        return ctx.failed(f"cameras are not allowed in a {area} in a {ctx.sector}")
    if p.while_open:
        _closed_means_general_rules(ctx)
    if area in p.allowed:
        return ctx.passed(f"{area} is an allowed place in a {ctx.sector}")
    if area in p.conditional:
        return CheckOutcome(Result.MANUAL, f"{area} in a {ctx.sector}: allowed only if {p.conditional[area]}",
                            tuple(ctx.evidence))
    if p.unlisted == "manual":
        return CheckOutcome(Result.MANUAL, f"{area} is not among the places listed for a {ctx.sector}: verify",
                            tuple(ctx.evidence))
    return ctx.failed(f"{area} is not among the places allowed in a {ctx.sector} "
                      f"({', '.join(p.allowed)})")


class HospitalParams(Params):
    """GR art 20: security cameras at entrances/cash/critical installations; patient care under a permit."""

    allowed: list[AreaType] = Field(default_factory=lambda: [
        AreaType.ENTRANCE, AreaType.EXIT, AreaType.CASH_DESK, AreaType.PLANT_ROOM])
    banned: list[AreaType] = Field(default_factory=lambda: [
        AreaType.WAITING_ROOM, AreaType.DINING, AreaType.CORRIDOR, AreaType.PATIENT_ROOM, AreaType.ICU])
    patient_care_areas: list[AreaType] = Field(default_factory=lambda: [AreaType.ICU, AreaType.PATIENT_ROOM])
    patient_care_max_hours: float = Field(default=48, gt=0)
    permit_attestation: str = "authority_permit"


@check("hospital_areas", params=HospitalParams)
def hospital_areas(ctx: CheckContext[HospitalParams]) -> CheckOutcome:
    """Hospital cameras only at allowed places; patient monitoring only with a permit and short retention."""
    area = ctx.declared("area")
    p = ctx.params
    purposes = ctx.declared("purposes")
    if area in p.patient_care_areas and Purpose.PATIENT_CARE in purposes:
        problems = []
        if not ctx.decl.attestations.get(p.permit_attestation):
            problems.append(f"no authority permit attested (`attestations: {{{p.permit_attestation}: true}}`)")
        kept = obs.retention(ctx)
        if kept is not None and kept.hours > p.patient_care_max_hours:
            problems.append(f"{kept.describe()} exceeds {obs.format_hours(p.patient_care_max_hours)}")
        if problems:
            return ctx.failed("patient-care monitoring: " + "; ".join(problems))
        return ctx.passed("patient-care monitoring under an attested permit with short retention")
    if area in p.banned:
        return ctx.failed(f"hospital security cameras are not allowed in a {area} "
                          f"(only {', '.join(p.allowed)})")
    if area in p.allowed:
        return ctx.passed(f"{area} is an allowed place for hospital security cameras")
    return CheckOutcome(Result.MANUAL, f"{area} is not among the places listed for hospitals "
                                       f"({', '.join(p.allowed)}): verify it is a critical installation",
                        tuple(ctx.evidence))


class SchoolParams(Params):
    """GR art 18: cameras only while the school is closed, footage gone by the next working day, no streaming."""

    max_retention_hours: float = Field(default=72, gt=0,
                                       description="Until the next working day, allowing for a weekend")


@check("school_hours", params=SchoolParams)
def school_hours(ctx: CheckContext[SchoolParams]) -> CheckOutcome:
    """A school camera does not record during school hours, keeps footage briefly and streams nowhere."""
    problems: list[str] = []
    unknown: list[str] = []
    is_open = ctx.premises_open()
    now = f"{ctx.local_at:%a %H:%M} ({ctx.inventory.timezone})"
    times = None
    try:  # the schedule the jobs follow (read, else declared) against the school hours of the coming week
        times = obs.recording_times(ctx)
    except Unknown as exc:
        unknown.append(str(exc))
    else:
        clash = obs.records_during(ctx, times, ctx.premises_hours())
        if clash:
            assert times is not None
            problems.append(f"records during school hours ({times.how}): {'; '.join(clash)}")
    try:
        kept = obs.retention(ctx)
    except Unknown as exc:
        unknown.append(str(exc))
    else:
        if kept is not None and kept.hours > ctx.params.max_retention_hours:
            problems.append(f"{kept.describe()}: footage must be deleted on the next working day")
    remote = obs.cloud_services(ctx)
    if remote:
        problems.append(f"streams or uploads to {'; '.join(remote)}")
    if problems:
        return ctx.failed("; ".join(problems))
    if unknown:
        raise Unknown("; ".join(unknown))
    ctx.require_all()
    state = "open" if is_open else "closed"
    recording = f"records {times.how}, outside school hours" if times else "not recording"
    return ctx.passed(f"school {state} at {now}; {recording} in the week from {ctx.local_at:%a %Y-%m-%d}; "
                      f"short retention; no remote streaming")


class OtherPremisesParams(Params):
    """GR art 21: museums, public parking, fuel stations, places of worship and cemeteries."""

    museum_areas: list[AreaType] = Field(default_factory=lambda: [
        AreaType.EXHIBITS, AreaType.ENTRANCE, AreaType.EXIT, AreaType.CASH_DESK, AreaType.VALUABLES,
        AreaType.WAREHOUSE, AreaType.PLANT_ROOM])
    fuel_night: str = "20:00-08:00"
    fuel_night_areas: list[AreaType] = Field(default_factory=lambda: [AreaType.FUEL_PUMPS, AreaType.WAREHOUSE])
    fuel_day_areas: list[AreaType] = Field(default_factory=lambda: [
        AreaType.FUEL_PUMPS, AreaType.WAREHOUSE, AreaType.ENTRANCE, AreaType.EXIT, AreaType.CASH_DESK,
        AreaType.VALUABLES, AreaType.PLANT_ROOM, AreaType.PARKING])

    @field_validator("fuel_night")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_window(value)
        return value


@check("other_premises", params=OtherPremisesParams)
def other_premises(ctx: CheckContext[OtherPremisesParams]) -> CheckOutcome:
    """Museums aim at exhibits; fuel stations at night watch only pumps and stores; worship sites stop when open."""
    sector = ctx.sector
    area = ctx.declared("area")
    p = ctx.params
    now = f"{ctx.local_at:%a %H:%M}"
    if sector == Sector.MUSEUM:
        if area in p.museum_areas:
            return ctx.passed(f"museum camera on {area}")
        return ctx.failed(f"museum camera on {area}: cameras should aim at the exhibits")
    if sector == Sector.PUBLIC_PARKING:
        return ctx.passed("public parking: cameras allowed")
    if sector == Sector.FUEL_STATION:
        night = in_window(ctx.local_at.time(), p.fuel_night)
        allowed = p.fuel_night_areas if night else p.fuel_day_areas
        period = f"at night ({p.fuel_night})" if night else "by day"
        if area in allowed:
            return ctx.passed(f"fuel station {period}, {now}: {area} may be watched")
        if not obs.is_recording(ctx):
            return ctx.passed(f"fuel station {period}, {now}: {area} camera not recording")
        return ctx.failed(f"fuel station {period}, {now}: only {', '.join(allowed)} may be watched, "
                          f"this camera records the {area}")
    if sector in (Sector.PLACE_OF_WORSHIP, Sector.CEMETERY):
        times = obs.recording_times(ctx)  # schedule read, else declared; Unknown when neither
        during = obs.records_during(ctx, times, ctx.premises_hours())
        if during and times is not None:
            return ctx.failed(f"{sector}: records while open to the public ({times.how}): {'; '.join(during)}")
        if times is None:
            return ctx.passed(f"{sector}: camera not recording")
        return ctx.passed(f"{sector}: records {times.how}, only while closed to the public in the week from "
                          f"{ctx.local_at:%a %Y-%m-%d}")
    return ctx.not_applicable(f"no art 21 rule for sector {sector}")


@check("sector_regime")
def sector_regime(ctx: CheckContext[Any]) -> CheckOutcome:
    """Tells whether the sector's special rules or the general rules apply at the evaluation time."""
    is_open = ctx.premises_open()
    now = f"{ctx.local_at:%a %Y-%m-%d %H:%M} ({ctx.inventory.timezone})"
    if is_open:
        return ctx.passed(f"premises open at {now}: the {ctx.sector} rules apply")
    return ctx.passed(f"premises closed at {now}: the general rules apply")
