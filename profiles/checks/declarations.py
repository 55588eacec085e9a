"""Checks over what the operator declared: purpose, legal basis, DPIA, banned places, workplaces, public space."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from probes import factvalues as fv
from profiles import places
from profiles.checks import _observe as obs
from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, Params, Unknown, check
from profiles.inventory import AreaType, LegalBasis, Purpose, Sector


class PurposeParams(Params):
    """CZ §2.1.1: property or safety is the primary purpose; incident prevention/evidence only supplement it."""

    primary: list[Purpose] = Field(default_factory=lambda: [Purpose.PROPERTY_PROTECTION, Purpose.SAFETY_OF_PERSONS])
    forbidden: list[Purpose] = Field(default_factory=lambda: [Purpose.PUBLICATION])


@check("primary_purpose", params=PurposeParams)
def primary_purpose(ctx: CheckContext[PurposeParams]) -> CheckOutcome:
    """At least one primary purpose is declared, and no purpose breaks purpose limitation."""
    purposes = ctx.declared("purposes")
    problems = []
    bad = [p for p in purposes if p in ctx.params.forbidden]
    if bad:
        problems.append(f"declared purpose {', '.join(bad)} breaks purpose limitation")
    if not any(p in ctx.params.primary for p in purposes):
        problems.append(f"purposes {', '.join(purposes)} lack a primary purpose ({' or '.join(ctx.params.primary)})")
    if problems:
        return ctx.failed("; ".join(problems))
    return ctx.passed(f"purposes: {', '.join(purposes)}")


@check("legal_basis_declared")
def legal_basis_declared(ctx: CheckContext[Any]) -> CheckOutcome:
    """A legal basis is declared; legitimate interest comes with a balancing test reference."""
    basis = ctx.declared("legal_basis")
    if basis == LegalBasis.LEGITIMATE_INTEREST:
        test = ctx.declared("balancing_test_ref", required=False)
        if test is False:
            return ctx.failed("legitimate interest, but declared without a balancing/proportionality test "
                              "(`balancing_test_ref: false`)")
        if not test:
            raise Unknown("legitimate interest needs a balancing/proportionality test: declare its reference as "
                          "`balancing_test_ref` (or `balancing_test_ref: false` if there is none)")
        return ctx.passed(f"legal basis {basis}, balancing test {test}")
    return ctx.passed(f"legal basis {basis}")


class DpiaParams(Params):
    """What makes a camera high-risk (needs a DPIA reference)."""

    min_class: int | None = Field(default=3, ge=1, le=4, description="Declared class from which a DPIA is needed")
    class_needed: bool = Field(default=True, description=(
        "An undeclared class makes the rule unknown; false: the class only counts when declared (profiles "
        "without classes)"))
    on_biometrics: bool = True
    on_thermal: bool = False
    on_public_space: bool = False


@check("dpia_declared", params=DpiaParams)
def dpia_declared(ctx: CheckContext[DpiaParams]) -> CheckOutcome:
    """High-risk cameras (high class, biometrics, thermal, public space) have a DPIA reference."""
    decl = ctx.decl
    p = ctx.params
    reasons = []
    class_unknown = False
    if p.min_class is not None:
        if decl.camera_class is None:
            class_unknown = p.class_needed
        elif decl.camera_class >= p.min_class:
            reasons.append(f"class {decl.camera_class}")
    if p.on_biometrics:
        bio = obs.maybe_biometric(ctx)
        if bio:
            reasons.append(f"biometric analytics ({', '.join(bio)})")
        elif decl.biometrics:
            reasons.append("declared biometrics")
    if p.on_thermal:
        thermal = ctx.maybe(fv.thermal.RADIOMETRY)
        if thermal is not MISSING and thermal:
            reasons.append("temperature measurement")
    if p.on_public_space and decl.covers_public_space:
        reasons.append("public space")
    dpia = ctx.declared("dpia_ref", required=False)
    if reasons and dpia is False:
        return ctx.failed(f"high-risk camera ({', '.join(reasons)}), declared without a DPIA (`dpia_ref: false`)")
    if reasons and not dpia:
        raise Unknown(f"high-risk camera ({', '.join(reasons)}): declare the DPIA reference as `dpia_ref` (or "
                      f"`dpia_ref: false` if no DPIA was made)")
    if reasons:
        return ctx.passed(f"high-risk camera ({', '.join(reasons)}), DPIA {dpia}")
    ctx.require_all()
    if class_unknown:
        raise Unknown(f"declaration field `class` is missing for camera {decl.name!r}: a DPIA is needed from class "
                      f"{p.min_class}")
    return ctx.not_applicable("not high-risk by this rule's criteria")


class BannedAreasParams(Params):
    areas: list[AreaType] = Field(min_length=1)


@check("banned_areas", params=BannedAreasParams)
def banned_areas(ctx: CheckContext[BannedAreasParams]) -> CheckOutcome:
    """The camera does not watch a place where cameras are never allowed."""
    area = ctx.declared("area")
    banned = places.matching(area, ctx.params.areas)
    if banned:
        return ctx.failed(f"camera watches a {places.describe('areas', area, banned)}: cameras are not allowed there")
    return ctx.passed(f"area {area} is not a forbidden place ({', '.join(ctx.params.areas)})")


_WORK_AREAS = [AreaType.WORKPLACE, AreaType.OFFICE_ROOM]


class WorkplaceParams(Params):
    """Workplace monitoring: which areas count, which sectors may justify it."""

    areas: list[AreaType] = Field(default_factory=lambda: list(_WORK_AREAS))
    office_sector_areas: list[AreaType] = Field(default_factory=list,
                                                description="Further areas banned in ordinary offices")
    exempt_sectors: list[Sector] = Field(default_factory=list,
                                         description="Sectors where safety/critical sites can justify it")


@check("workplace_monitoring", params=WorkplaceParams)
def workplace_monitoring(ctx: CheckContext[WorkplaceParams]) -> CheckOutcome:
    """Employees' workplaces are watched only for a serious, declared, activity-specific reason."""
    area = ctx.declared("area")
    sector = ctx.sector
    watched = places.within(area, ctx.params.areas) or (
        places.within(sector, [Sector.OFFICE], "sectors") and places.within(area, ctx.params.office_sector_areas))
    if not watched:
        return ctx.not_applicable(f"area {area} is not a workplace")
    reason = ctx.declared("workplace_reason", required=False)
    if reason:
        return ctx.passed(f"workplace monitoring for a declared serious reason: {reason}")
    if places.within(sector, ctx.params.exempt_sectors, "sectors"):
        return ctx.failed(f"{sector}: workplace monitoring may be justified here, but no `workplace_reason` "
                          f"is declared")
    return ctx.failed(f"camera watches employees at their {area} with no serious, activity-specific reason "
                      f"declared (`workplace_reason`)")


class PublicSpaceParams(Params):
    """Areas whose view may reach public space unless the declaration says otherwise."""

    may_reach_public: list[AreaType] = Field(default_factory=lambda: [
        AreaType.PERIMETER, AreaType.ENTRANCE, AreaType.EXIT, AreaType.PARKING, AreaType.FUEL_PUMPS,
        AreaType.NEIGHBOUR_PROPERTY], description="Absent `covers_public_space` on these areas is unknown")


@check("public_space_flag", params=PublicSpaceParams)
def public_space_flag(ctx: CheckContext[PublicSpaceParams]) -> CheckOutcome:
    """Cameras covering public space are flagged: such tools should not multiply or become permanent."""
    decl = ctx.decl
    covers = ctx.declared("covers_public_space", required=False)
    street = places.within(decl.area, [AreaType.PUBLIC_STREET])
    if not street and covers is False:
        return ctx.passed("declared not to cover public space")
    if not street and covers is None:
        if places.within(decl.area, ctx.params.may_reach_public):
            raise Unknown(f"a camera on the {decl.area} may see the street: declare `covers_public_space: true` "
                          f"or `false`")
        return ctx.passed(f"{decl.area}: an interior place, not public space")
    end = ctx.declared("end_date", required=False)
    until = f" until {end}" if end else " with no end date"
    return ctx.failed(f"covers public space{until}: review whether it is still needed")
