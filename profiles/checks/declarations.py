"""Checks over what the operator declared: purpose, legal basis, DPIA, banned places, workplaces, public space."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, Params, check
from profiles.inventory import AreaType, LegalBasis, Purpose, Sector


class PurposeParams(Params):
    """CZ §2.1.1: property or safety is the primary purpose; incident prevention/evidence only supplement it."""

    primary: list[Purpose] = Field(default_factory=lambda: [Purpose.PROPERTY_PROTECTION, Purpose.SAFETY_OF_PERSONS])
    forbidden: list[Purpose] = Field(default_factory=lambda: [Purpose.PUBLICATION])


@check("primary_purpose", params=PurposeParams)
def primary_purpose(ctx: CheckContext[PurposeParams]) -> CheckOutcome:
    """At least one primary purpose is declared, and no purpose breaks purpose limitation."""
    purposes = ctx.declared("purposes")
    bad = [p for p in purposes if p in ctx.params.forbidden]
    if bad:
        return ctx.failed(f"declared purpose {', '.join(bad)} breaks purpose limitation")
    if not any(p in ctx.params.primary for p in purposes):
        return ctx.failed(f"purposes {', '.join(purposes)} lack a primary purpose "
                          f"({' or '.join(ctx.params.primary)})")
    return ctx.passed(f"purposes: {', '.join(purposes)}")


@check("legal_basis_declared")
def legal_basis_declared(ctx: CheckContext[Any]) -> CheckOutcome:
    """A legal basis is declared; legitimate interest comes with a balancing test reference."""
    basis = ctx.declared("legal_basis")
    if basis == LegalBasis.LEGITIMATE_INTEREST and not ctx.declared("balancing_test_ref", required=False):
        return ctx.failed("legitimate interest without a balancing/proportionality test (`balancing_test_ref`)")
    return ctx.passed(f"legal basis {basis}")


class DpiaParams(Params):
    """What makes a camera high-risk (needs a DPIA reference)."""

    min_class: int | None = Field(default=3, ge=1, le=4, description="Declared class from which a DPIA is needed")
    on_biometrics: bool = True
    on_thermal: bool = False
    on_public_space: bool = False


@check("dpia_declared", params=DpiaParams)
def dpia_declared(ctx: CheckContext[DpiaParams]) -> CheckOutcome:
    """High-risk cameras (high class, biometrics, thermal, public space) have a DPIA reference."""
    decl = ctx.decl
    p = ctx.params
    reasons = []
    if p.min_class is not None and decl.camera_class >= p.min_class:
        reasons.append(f"class {decl.camera_class}")
    if p.on_biometrics:
        bio = ctx.maybe("analytics.biometric")
        if bio is not MISSING and bio:
            reasons.append(f"biometric analytics ({', '.join(map(str, bio))})")
        elif decl.biometrics is not None:
            reasons.append("declared biometrics")
    if p.on_thermal:
        thermal = ctx.maybe("thermal.radiometry")
        if thermal is not MISSING and thermal:
            reasons.append("temperature measurement")
    if p.on_public_space and decl.covers_public_space:
        reasons.append("public space")
    dpia = ctx.declared("dpia_ref", required=False)
    if reasons and not dpia:
        return ctx.failed(f"high-risk camera ({', '.join(reasons)}) without a DPIA reference (`dpia_ref`)")
    if reasons:
        return ctx.passed(f"high-risk camera ({', '.join(reasons)}), DPIA {dpia}")
    ctx.require_all()
    return ctx.not_applicable("not high-risk by this rule's criteria")


class BannedAreasParams(Params):
    areas: list[AreaType] = Field(min_length=1)


@check("banned_areas", params=BannedAreasParams)
def banned_areas(ctx: CheckContext[BannedAreasParams]) -> CheckOutcome:
    """The camera does not watch a place where cameras are never allowed."""
    area = ctx.declared("area")
    if area in ctx.params.areas:
        return ctx.failed(f"camera watches a {area}: cameras are not allowed there")
    return ctx.passed(f"area {area} is not a forbidden place")


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
    watched = area in ctx.params.areas or (sector == Sector.OFFICE and area in ctx.params.office_sector_areas)
    if not watched:
        return ctx.not_applicable(f"area {area} is not a workplace")
    reason = ctx.declared("workplace_reason", required=False)
    if reason:
        return ctx.passed(f"workplace monitoring for a declared serious reason: {reason}")
    if sector in ctx.params.exempt_sectors:
        return ctx.failed(f"{sector}: workplace monitoring may be justified here, but no `workplace_reason` "
                          f"is declared")
    return ctx.failed(f"camera watches employees at their {area} with no serious, activity-specific reason "
                      f"declared (`workplace_reason`)")


@check("public_space_flag")
def public_space_flag(ctx: CheckContext[Any]) -> CheckOutcome:
    """Cameras covering public space are flagged: such tools should not multiply or become permanent."""
    decl = ctx.decl
    if not ctx.declared("covers_public_space", required=False) and decl.area != AreaType.PUBLIC_STREET:
        return ctx.passed("does not cover public space")
    end = ctx.declared("end_date", required=False)
    until = f" until {end}" if end else " with no end date"
    return ctx.failed(f"covers public space{until}: review whether it is still needed")


