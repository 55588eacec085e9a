"""Biometric and smart-analytics checks (GDPR art 9, 22; CZ §2.3.8, §2.11.3; NL DPA; CNIL)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from probes import factvalues as fv
from profiles import places
from profiles.checks import _observe as obs
from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, Params, Unknown, check
from profiles.inventory import AreaType, Purpose, Sector

ART9_GROUNDS = ["explicit_consent", "employment_law", "vital_interest", "legal_claims",
                "substantial_public_interest", "health_care", "public_health", "research"]


class BiometricsParams(Params):
    """CZ §2.11.3: biometrics need a justification backed by a proportionality test."""

    require_balancing_test: bool = True


def _test_ref(ctx: CheckContext[Any], problems: list[str], unknown: list[str]) -> None:
    """The proportionality test reference: `false` is a failure, absent is unknown (not declared yet)."""
    test = ctx.declared("balancing_test_ref", required=False)
    if test is False:
        problems.append("a proportionality test (declared `balancing_test_ref: false`)")
    elif not test:
        unknown.append("whether a proportionality test exists is not declared (`balancing_test_ref`, or "
                       "`balancing_test_ref: false`)")


@check("biometrics_justified", params=BiometricsParams)
def biometrics_justified(ctx: CheckContext[BiometricsParams]) -> CheckOutcome:
    """Biometric analytics need a declared justification and proportionality test."""
    found = obs.biometric_analytics(ctx)
    if not found:
        return ctx.passed("no biometric analytics configured")
    missing: list[str] = []
    unknown: list[str] = []
    if not ctx.declared("biometrics", required=False):
        missing.append("a `biometrics` justification")
    if ctx.params.require_balancing_test:
        _test_ref(ctx, missing, unknown)
    if missing:
        return ctx.failed(f"biometric analytics active ({', '.join(found)}) without {' and '.join(missing)}")
    if unknown:
        raise Unknown(f"biometric analytics active ({', '.join(found)}): {'; '.join(unknown)}")
    return ctx.passed(f"biometric analytics ({', '.join(found)}) justified: {ctx.decl.biometrics.reason}")  # type: ignore[union-attr]


class Art9Params(Params):
    """GDPR art 9(2) grounds accepted for biometric identification and health (thermal) data."""

    allowed_grounds: list[str] = Field(default_factory=lambda: list(ART9_GROUNDS))


@check("special_category_ground", params=Art9Params)
def special_category_ground(ctx: CheckContext[Art9Params]) -> CheckOutcome:
    """Biometric identification or body-temperature measurement needs a declared art 9(2) ground."""
    kinds: list[str] = []
    bio = obs.maybe_biometric(ctx)
    if bio:
        kinds.append(f"biometric analytics ({', '.join(bio)})")
    thermal = ctx.maybe(fv.thermal.RADIOMETRY)
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
    problems = []
    if ground not in ctx.params.allowed_grounds:
        got = f"declared ground {ground!r}" if ground else "no `biometric_ground` declared"
        problems.append(f"{got}; only {' or '.join(ctx.params.allowed_grounds)} can make it lawful")
    purposes = ctx.declared("purposes")
    if set(purposes) <= set(ctx.params.insufficient_purposes) and ground != "explicit_consent":
        problems.append("protecting property is not a substantial public interest")
    if problems:
        return ctx.failed(f"{what}: {'; '.join(problems)}")
    return ctx.passed(f"{what} under exception {ground!r}")


@check("automated_decisions_justified")
def automated_decisions_justified(ctx: CheckContext[Any]) -> CheckOutcome:
    """Identification/profiling analytics are covered by the proportionality test and human review."""
    found = obs.identifying_analytics(ctx)
    if not found:
        return ctx.passed("no identifying or profiling analytics configured")
    missing: list[str] = []
    unknown: list[str] = []
    _test_ref(ctx, missing, unknown)
    if not ctx.declared("biometrics", required=False) and not ctx.declared("human_review", required=False):
        missing.append("a `biometrics` justification or `human_review: true`")
    if missing:
        return ctx.failed(f"automated identification ({', '.join(found)}) without {' and '.join(missing)}")
    if unknown:
        raise Unknown(f"automated identification ({', '.join(found)}): {'; '.join(unknown)}")
    return ctx.passed(f"automated identification ({', '.join(found)}) covered by the proportionality test")


_PUBLIC_SECTORS = [Sector.SHOP, Sector.MALL, Sector.TRANSPORT, Sector.PUBLIC_PARKING, Sector.PUBLIC_ADMINISTRATION,
                   Sector.MUSEUM, Sector.HOSPITAL, Sector.HOTEL, Sector.PLACE_OF_WORSHIP, Sector.FUEL_STATION]


class SmartParams(Params):
    """CNIL: smart cameras in publicly accessible places: limited lifetime, anonymised, no tracking."""

    public_sectors: list[Sector] = Field(default_factory=lambda: list(_PUBLIC_SECTORS))
    public_areas: list[AreaType] = Field(default_factory=lambda: [AreaType.PUBLIC_STREET, AreaType.SALES_FLOOR])


@check("smart_camera_limits", params=SmartParams)
def smart_camera_limits(ctx: CheckContext[SmartParams]) -> CheckOutcome:
    """Smart cameras in publicly accessible places never track individuals and have an end date and anonymisation.

    Every failed condition is reported. Analytics count from modules and rules alike (classified in
    profiles/data/analytics.yaml); an unclassified type leaves the verdict unknown rather than clean."""
    decl = ctx.decl
    accessible = ctx.declared("publicly_accessible", required=False)
    covers = ctx.declared("covers_public_space", required=False)
    if accessible is False and not covers:
        return ctx.not_applicable("declared not publicly accessible (`publicly_accessible: false`)")
    public = bool(accessible or covers) or places.within(ctx.sector, ctx.params.public_sectors, "sectors") or \
        places.within(decl.area, ctx.params.public_areas)
    if not public:
        return ctx.not_applicable("not a public or publicly accessible place")
    seen = obs.analytics_seen(ctx)
    tracking = seen.where("tracks")
    smart = seen.where("smart")
    declared_smart = ctx.declared("smart_camera", required=False)
    problems: list[str] = []
    unknown: list[str] = []
    if tracking:
        problems.append(f"analytics identify or track individuals ({seen.describe(tracking)})")
    is_smart = bool(smart) or declared_smart is True
    if is_smart:
        end = ctx.declared("end_date", required=False)
        if end is False:
            problems.append("declared without an end date (`end_date: false`)")
        elif end is None:
            unknown.append("no limited lifetime declared (`end_date`, or `end_date: false`)")
        elif end < ctx.today:
            problems.append(f"its declared end date {end} has passed")
        anonymised = ctx.declared("anonymisation", required=False)
        if anonymised is False:
            problems.append("declared without anonymisation (`anonymisation: false`)")
        elif anonymised is None:
            unknown.append("anonymisation not declared (`anonymisation: true` or `false`)")
    what = f"smart analytics ({seen.describe(smart)})" if smart else "declared smart camera (`smart_camera: true`)"
    if problems:
        return ctx.failed(f"{what if is_smart else 'analytics'}: {'; '.join(problems)}")
    if seen.unknown:
        unknown.append(f"analytics type(s) {', '.join(seen.unknown)} are not in camaudit's classification, so "
                       f"whether they track people is unknown")
    if unknown:
        raise Unknown(f"{what if is_smart else 'analytics'}: {'; '.join(unknown)}")
    ctx.require_all()
    if not is_smart:
        return ctx.passed("no smart analytics beyond motion/tamper detection")
    return ctx.passed(f"{what} limited to {ctx.decl.end_date}, anonymised")
