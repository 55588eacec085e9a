"""Sector rules of the Hellenic DPA Directive 1/2011 (art 14-21): allowed places, school and worship hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator

from profiles import places
from profiles.checks import _observe as obs
from profiles.checks._registry import CheckContext, CheckOutcome, NotApplicable, Params, Unknown, check
from profiles.findings import Result
from profiles.inventory import AreaType, Purpose, Sector
from profiles.timewindows import WeeklyWindows, parse_window


def _closed_means_general_rules(ctx: CheckContext[Any]) -> None:
    """GR art 14.3: the sector's special conditions apply while the premises are open. Compared as weekly
    windows (camera operating hours against opening hours), so the verdict does not depend on the scan's hour."""
    open_w, closed = ctx.premises_windows()
    during = ctx.camera_windows().overlap(open_w)
    if during.empty:
        raise NotApplicable(f"the camera does not operate while the premises are open ({open_w.describe()}) in the "
                            f"{ctx.week_label()}{_closed_note(closed)}: the general rules apply")


def _closed_note(closed: dict[Any, str]) -> str:
    if not closed:
        return ""
    return "; closed " + ", ".join(f"{day:%a %Y-%m-%d} ({why})" for day, why in sorted(closed.items()))


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
    """The camera watches a place the sector rules allow (places match through the taxonomy's parents)."""
    area = ctx.declared("area")
    p = ctx.params
    banned = places.matching(area, p.banned)
    if banned:
        return ctx.failed(f"cameras are not allowed in a {places.describe('areas', area, banned)} in a {ctx.sector}")
    if p.while_open:
        _closed_means_general_rules(ctx)
    allowed = places.matching(area, p.allowed)
    if allowed:
        return ctx.passed(f"{places.describe('areas', area, allowed)} is an allowed place in a {ctx.sector}")
    conditional = places.matching(area, p.conditional)
    if conditional:
        return CheckOutcome(Result.MANUAL, f"{places.describe('areas', area, conditional)} in a {ctx.sector}: "
                                           f"allowed only if {p.conditional[AreaType(conditional)]}",
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
    if places.within(area, p.patient_care_areas) and Purpose.PATIENT_CARE in purposes:
        problems = []
        if not ctx.decl.attestations.get(p.permit_attestation):
            problems.append(f"no authority permit attested (`attestations: {{{p.permit_attestation}: true}}`)")
        kept = obs.retention(ctx)
        if kept is not None and kept.hours > p.patient_care_max_hours:
            problems.append(f"{kept.describe()} exceeds {obs.format_hours(p.patient_care_max_hours)}")
        if problems:
            return ctx.failed("patient-care monitoring: " + "; ".join(problems))
        return ctx.passed("patient-care monitoring under an attested permit with short retention")
    banned = places.matching(area, p.banned)
    if banned:
        return ctx.failed(f"hospital security cameras are not allowed in a {places.describe('areas', area, banned)} "
                          f"(only {', '.join(p.allowed)})")
    allowed = places.matching(area, p.allowed)
    if allowed:
        return ctx.passed(f"{places.describe('areas', area, allowed)} is an allowed place for hospital security "
                          f"cameras")
    return CheckOutcome(Result.MANUAL, f"{area} is not among the places listed for hospitals "
                                       f"({', '.join(p.allowed)}): verify it is a critical installation",
                        tuple(ctx.evidence))


class SchoolParams(Params):
    """GR art 18: cameras only while the school is closed, footage gone by the next working day, no streaming."""

    working_days: int = Field(default=1, ge=1, le=15, description=(
        "Footage of a day is deleted by the start of this many working days later (GR art 18: the next one)"))


@check("school_hours", params=SchoolParams)
def school_hours(ctx: CheckContext[SchoolParams]) -> CheckOutcome:
    """A school camera does not record during school hours, keeps footage briefly and streams nowhere.

    School hours are the declared opening hours of the evaluation week without public holidays and declared
    school breaks; recording is compared with them as weekly windows. Retention is limited to the real time
    (daylight saving included) from the evaluation day to its next working day: 24 h on a Tuesday, 72 h on a
    Friday, more before a public holiday."""
    problems: list[str] = []
    unknown: list[str] = []
    times = None
    try:  # the schedule the jobs follow (read, else declared) against the school hours of the coming week
        times = obs.recording_times(ctx)
    except Unknown as exc:
        unknown.append(str(exc))
    closed: dict[Any, str] = {}
    try:
        hours = ctx.premises_hours()
    except Unknown as exc:
        unknown.append(str(exc))
    else:
        dates = [ctx.today + timedelta(days=offset) for offset in range(7)]
        closed = ctx.calendar.closed_days(hours, dates, school=True)
        clash = obs.records_during(ctx, times, hours, premises=True, school=True)
        if clash and times is not None:
            problems.append(f"records during school hours ({times.how}): {'; '.join(clash)}")
    cal = ctx.calendar
    last = ctx.today
    for _ in range(ctx.params.working_days):
        last = cal.next_working_day(last)
    limit = cal.hours_between_days(ctx.today, last)
    try:
        kept = obs.retention(ctx)
    except Unknown as exc:
        unknown.append(str(exc))
    else:
        if kept is not None and kept.hours > limit:
            problems.append(f"{kept.describe()}: footage of {ctx.today:%a %Y-%m-%d} must be deleted by the next "
                            f"working day, {last:%a %Y-%m-%d} ({obs.format_hours(limit)}; {cal.describe_source()})")
    remote = obs.cloud_services(ctx)
    if remote:
        problems.append(f"streams or uploads to {'; '.join(remote)}")
    if problems:
        return ctx.failed("; ".join(problems))
    if unknown or ctx.missing:
        raise Unknown("; ".join([*unknown, *ctx.missing.values()]))
    recording = f"records {times.how}, outside school hours" if times else "not recording"
    return ctx.passed(f"{recording} in the {ctx.week_label()}{_closed_note(closed)}; footage kept at most "
                      f"{obs.format_hours(limit)} (next working day {last:%a %Y-%m-%d}); no remote streaming")


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
    """Museums aim at exhibits; fuel stations at night watch only pumps and stores; worship sites stop when open.

    Hours are compared as weekly windows (when the camera operates and records against the night period or
    the opening hours), not at the hour of the scan."""
    sector = ctx.sector
    area = ctx.declared("area")
    p = ctx.params
    if places.within(sector, [Sector.MUSEUM], "sectors"):
        if places.within(area, p.museum_areas):
            return ctx.passed(f"museum camera on {area}")
        return ctx.failed(f"museum camera on {area}: cameras should aim at the exhibits")
    if places.within(sector, [Sector.PUBLIC_PARKING], "sectors"):
        return ctx.passed("public parking: cameras allowed")
    if places.within(sector, [Sector.FUEL_STATION], "sectors"):
        records = obs.recording_windows(ctx).overlap(ctx.camera_windows())
        if records.empty:
            return ctx.passed(f"fuel station: the {area} camera does not record")
        night = WeeklyWindows.daily([p.fuel_night])
        problems = []
        if not places.within(area, p.fuel_night_areas) and not records.overlap(night).empty:
            problems.append(f"records the {area} at night ({p.fuel_night}), when only "
                            f"{', '.join(p.fuel_night_areas)} may be watched")
        if not places.within(area, p.fuel_day_areas) and not records.outside(night).empty:
            problems.append(f"records the {area} by day, when only {', '.join(p.fuel_day_areas)} may be watched")
        if problems:
            return ctx.failed("fuel station: " + "; ".join(problems))
        return ctx.passed(f"fuel station: the {area} may be watched whenever the camera records "
                          f"({records.describe()})")
    if places.within(sector, [Sector.PLACE_OF_WORSHIP, Sector.CEMETERY], "sectors"):
        times = obs.recording_times(ctx)  # schedule read, else declared; Unknown when neither
        during = obs.records_during(ctx, times, ctx.premises_hours(), premises=True)
        if during and times is not None:
            return ctx.failed(f"{sector}: records while open to the public ({times.how}): {'; '.join(during)}")
        if times is None:
            return ctx.passed(f"{sector}: camera not recording")
        return ctx.passed(f"{sector}: records {times.how}, only while closed to the public in the "
                          f"{ctx.week_label()}")
    return ctx.not_applicable(f"no art 21 rule for sector {sector}")


@check("sector_regime")
def sector_regime(ctx: CheckContext[Any]) -> CheckOutcome:
    """Tells when the sector's special rules apply (opening hours) and when the general rules apply."""
    open_w, closed = ctx.premises_windows()
    if open_w.empty:
        return ctx.passed(f"premises closed all {ctx.week_label()}{_closed_note(closed)}: the general rules apply")
    return ctx.passed(f"the {ctx.sector} rules apply while open ({open_w.describe()}){_closed_note(closed)}; the "
                      f"general rules apply outside these hours")
