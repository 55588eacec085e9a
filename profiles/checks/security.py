"""Security checks: authentication, transport encryption, clock and time stamps (GDPR art 32, CZ §2.1.3, GR art 11)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, Params, check


def _clock_problem(ctx: CheckContext[Any], max_skew_s: float, require_ntp: bool) -> str | None:
    """A problem with the device clock, or None. Reads clock facts with `maybe`."""
    problems: list[str] = []
    skew = ctx.maybe("clock.skew_seconds")
    if skew is not MISSING and skew is not None and abs(float(skew)) > max_skew_s:
        problems.append(f"clock is {float(skew):+.0f} s off (tolerance {max_skew_s:g} s)")
    if require_ntp:
        source = ctx.maybe("clock.source")
        if source is not MISSING and str(source).upper() != "NTP":
            problems.append(f"clock is set {source!s} instead of by NTP")
    return "; ".join(problems) or None


class AccessSecurityParams(Params):
    """GDPR art 32 essentials."""

    max_clock_skew_s: float = Field(default=60.0, gt=0, description="Largest tolerated clock offset, seconds")
    require_tls: bool = True


@check("access_security", params=AccessSecurityParams)
def access_security(ctx: CheckContext[AccessSecurityParams]) -> CheckOutcome:
    """No operation answers without credentials, HTTPS is offered and the clock is synchronised."""
    problems: list[str] = []
    anonymous = ctx.maybe("auth.anonymous_operations")
    if anonymous is not MISSING and anonymous:
        problems.append(f"answers without credentials: {', '.join(map(str, anonymous))}")
    if ctx.params.require_tls:
        protocols = ctx.maybe("network.protocols")
        if protocols is not MISSING and not any(
                str(p.get("name", "")).upper() == "HTTPS" and p.get("enabled") for p in protocols or []):
            problems.append("HTTPS is not enabled (credentials and video travel in clear text)")
    clock = _clock_problem(ctx, ctx.params.max_clock_skew_s, require_ntp=False)
    if clock:
        problems.append(clock)
    if problems:
        return ctx.failed("; ".join(problems))
    ctx.require_all()
    return ctx.passed("authentication required for every probed operation, HTTPS offered, clock synchronised")


class IntegrityParams(Params):
    """CZ §2.1.3 integrity: access control and trustworthy time data."""

    max_clock_skew_s: float = Field(default=60.0, gt=0)
    require_ntp: bool = True
    require_time_overlay: bool = True


@check("integrity_measures", params=IntegrityParams)
def integrity_measures(ctx: CheckContext[IntegrityParams]) -> CheckOutcome:
    """Configuration needs authentication, the clock follows NTP and recordings carry a time overlay."""
    problems: list[str] = []
    anonymous = ctx.maybe("auth.anonymous_operations")
    if anonymous is not MISSING and anonymous:
        problems.append(f"configuration readable without credentials ({', '.join(map(str, anonymous))})")
    clock = _clock_problem(ctx, ctx.params.max_clock_skew_s, ctx.params.require_ntp)
    if clock:
        problems.append(clock)
    if ctx.params.require_time_overlay:
        osd = ctx.maybe("media.osd_datetime")
        if osd is not MISSING and not osd:
            problems.append("no date/time overlay on the image")
    if problems:
        return ctx.failed("; ".join(problems))
    ctx.require_all()
    return ctx.passed("authentication required, NTP time, date/time overlay on")


class PrivacyByDesignParams(Params):
    """GR art 6.6/11: secure transmission and access control; masking support optional."""

    require_masks: bool = False


@check("privacy_by_design", params=PrivacyByDesignParams)
def privacy_by_design(ctx: CheckContext[PrivacyByDesignParams]) -> CheckOutcome:
    """Transmission is encrypted, access is controlled and (optionally) privacy masks are used."""
    problems: list[str] = []
    protocols = ctx.maybe("network.protocols")
    if protocols is not MISSING and not any(
            str(p.get("name", "")).upper() == "HTTPS" and p.get("enabled") for p in protocols or []):
        problems.append("no encrypted transport (HTTPS disabled)")
    anonymous = ctx.maybe("auth.anonymous_operations")
    if anonymous is not MISSING and anonymous:
        problems.append(f"no access control on {', '.join(map(str, anonymous))}")
    if ctx.params.require_masks:
        masks = ctx.maybe("privacy.masks")
        if masks is not MISSING and not any(m.get("enabled", True) for m in masks or []):
            problems.append("no privacy mask configured")
    if problems:
        return ctx.failed("; ".join(problems))
    ctx.require_all()
    return ctx.passed("encrypted transport and access control in place")

