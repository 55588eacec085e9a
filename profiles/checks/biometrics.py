"""Biometric and smart-analytics checks (GDPR art 9, 22; CZ §2.3.8, §2.11.3; NL DPA; CNIL)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from profiles.checks import _observe as obs
from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, Params, check
from profiles.inventory import AreaType, Purpose, Sector

ART9_GROUNDS = ["explicit_consent", "employment_law", "vital_interest", "legal_claims",
                "substantial_public_interest", "health_care", "public_health", "research"]


class BiometricsParams(Params):
    """CZ §2.11.3: biometrics need a justification backed by a proportionality test."""

    require_balancing_test: bool = True


@check("biometrics_justified", params=BiometricsParams)
def biometrics_justified(ctx: CheckContext[BiometricsParams]) -> CheckOutcome:
    """Biometric analytics need a declared justification and proportionality test."""
    found = obs.biometric_analytics(ctx)
    if not found:
        return ctx.passed("no biometric analytics configured")
    missing = []
    if ctx.declared("biometrics", required=False) is None:
        missing.append("`biometrics` justification")
    if ctx.params.require_balancing_test and not ctx.declared("balancing_test_ref", required=False):
        missing.append("proportionality test (`balancing_test_ref`)")
    if missing:
        return ctx.failed(f"biometric analytics active ({', '.join(found)}) without {' and '.join(missing)}")
    return ctx.passed(f"biometric analytics ({', '.join(found)}) justified: {ctx.decl.biometrics.reason}")  # type: ignore[union-attr]


class Art9Params(Params):
    """GDPR art 9(2) grounds accepted for biometric identification and health (thermal) data."""

    allowed_grounds: list[str] = Field(default_factory=lambda: list(ART9_GROUNDS))


@check("special_category_ground", params=Art9Params)
def special_category_ground(ctx: CheckContext[Art9Params]) -> CheckOutcome:
    """Biometric identification or body-temperature measurement needs a declared art 9(2) ground."""
    kinds: list[str] = []
    bio = ctx.maybe("analytics.biometric")
    if bio is not MISSING and bio:
        kinds.append(f"biometric analytics ({', '.join(map(str, bio))})")
    thermal = ctx.maybe("thermal.radiometry")
    if thermal is not MISSING and thermal:
        kinds.append("body temperature (radiometric thermal camera)")
    if not kinds:
        ctx.require_all()
        return ctx.not_applicable("no biometric or health data observed")
    ground = ctx.declared("biometric_ground", required=False)
    framework = ctx.declared("thermal_legal_framework", required=False) if thermal is True else None
    if ground in ctx.params.allowed_grounds or (thermal is True and not bio and framework):
        return ctx.passed(f"{' and '.join(kinds)} with art 9(2) ground {ground or framework!r}")
    if ground:
        return ctx.failed(f"{' and '.join(kinds)}: declared ground {ground!r} is not an art 9(2) exception "
                          f"(accepted: {', '.join(ctx.params.allowed_grounds)})")
    return ctx.failed(f"{' and '.join(kinds)} processed without a declared art 9(2) ground (`biometric_ground`)")


class FrtParams(Params):
    """NL DPA: only explicit consent or a substantial public interest (security/authentication) qualify."""

    allowed_grounds: list[str] = Field(default_factory=lambda: ["explicit_consent", "substantial_public_interest"])
    insufficient_purposes: list[Purpose] = Field(default_factory=lambda: [Purpose.PROPERTY_PROTECTION])


@check("facial_recognition_exception", params=FrtParams)
def facial_recognition_exception(ctx: CheckContext[FrtParams]) -> CheckOutcome:
    """Facial recognition only under explicit consent or a substantial public interest, not for property."""
    found = obs.biometric_analytics(ctx)
    if not found:
        return ctx.not_applicable("no facial recognition configured")
    ground = ctx.declared("biometric_ground", required=False)
    what = f"facial recognition ({', '.join(found)})"
    if ground not in ctx.params.allowed_grounds:
        got = f"declared ground {ground!r}" if ground else "no `biometric_ground` declared"
        return ctx.failed(f"{what}: {got}; only {' or '.join(ctx.params.allowed_grounds)} can make it lawful")
    purposes = ctx.declared("purposes")
    if ground == "substantial_public_interest" and set(purposes) <= set(ctx.params.insufficient_purposes):
        return ctx.failed(f"{what}: protecting property is not a substantial public interest")
    return ctx.passed(f"{what} under exception {ground!r}")


@check("automated_decisions_justified")
def automated_decisions_justified(ctx: CheckContext[Any]) -> CheckOutcome:
    """Identification/profiling analytics are covered by the proportionality test and human review."""
    found = obs.identifying_analytics(ctx)
    if not found:
        return ctx.passed("no identifying or profiling analytics configured")
    missing = []
    if not ctx.declared("balancing_test_ref", required=False):
        missing.append("a proportionality test (`balancing_test_ref`)")
    if ctx.declared("biometrics", required=False) is None and not ctx.declared("human_review", required=False):
        missing.append("a `biometrics` justification or `human_review: true`")
    if missing:
        return ctx.failed(f"automated identification ({', '.join(found)}) without {' and '.join(missing)}")
    return ctx.passed(f"automated identification ({', '.join(found)}) covered by the proportionality test")


_PUBLIC_SECTORS = [Sector.SHOP, Sector.MALL, Sector.TRANSPORT, Sector.PUBLIC_PARKING, Sector.PUBLIC_ADMINISTRATION,
                   Sector.MUSEUM, Sector.HOSPITAL, Sector.HOTEL, Sector.PLACE_OF_WORSHIP, Sector.FUEL_STATION]
_BASIC_ANALYTICS = ("motion", "tamper", "cellmotion", "audio")


class SmartParams(Params):
    """CNIL: smart cameras in publicly accessible places: limited lifetime, anonymised, no tracking."""

    public_sectors: list[Sector] = Field(default_factory=lambda: list(_PUBLIC_SECTORS))
    public_areas: list[AreaType] = Field(default_factory=lambda: [AreaType.PUBLIC_STREET, AreaType.SALES_FLOOR])


@check("smart_camera_limits", params=SmartParams)
def smart_camera_limits(ctx: CheckContext[SmartParams]) -> CheckOutcome:
    """Analytics in publicly accessible places never track individuals and have an end date and anonymisation."""
    decl = ctx.decl
    public = decl.covers_public_space or ctx.sector in ctx.params.public_sectors or decl.area in ctx.params.public_areas
    if not public:
        return ctx.not_applicable("not a public or publicly accessible place")
    identifying = obs.identifying_analytics(ctx)
    if identifying:
        return ctx.failed(f"analytics identify or track individuals ({', '.join(identifying)}) in a publicly "
                          f"accessible place")
    rules = ctx.fact("analytics.rules") or []
    smart = [str(r.get("type")) for r in rules
             if not any(b in str(r.get("type", "")).lower() for b in _BASIC_ANALYTICS)]
    if not smart:
        return ctx.passed("no smart analytics beyond motion/tamper detection")
    problems = []
    end = ctx.declared("end_date", required=False)
    if end is None:
        problems.append("no limited lifetime (`end_date`)")
    elif end < ctx.today:
        problems.append(f"its declared end date {end} has passed")
    if not ctx.declared("anonymisation", required=False):
        problems.append("no anonymisation declared")
    if problems:
        return ctx.failed(f"smart analytics ({', '.join(smart)}): {'; '.join(problems)}")
    return ctx.passed(f"smart analytics ({', '.join(smart)}) limited to {end}, anonymised")
