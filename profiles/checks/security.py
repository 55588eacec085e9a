"""Security checks: authentication, transport encryption, clock and time stamps (GDPR art 32, CZ §2.1.3, GR art 11)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from probes import factvalues as fv
from probes.facts import Fact
from probes.factvalues.tls import TlsCertificate, TlsVersions
from profiles.checks import _observe as obs
from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, Params, Unknown, check


def _clock_problem(ctx: CheckContext[Any], max_skew_s: float, require_ntp: bool) -> str | None:
    """A problem with the device clock, or None. Reads clock facts with `maybe`."""
    problems: list[str] = []
    skew = ctx.maybe(fv.clock.SKEW_SECONDS)
    if skew is not MISSING and skew is not None and abs(float(skew)) > max_skew_s:
        problems.append(f"clock is {float(skew):+.0f} s off (tolerance {max_skew_s:g} s)")
    if require_ntp:
        source = ctx.maybe(fv.clock.SOURCE)
        if source is not MISSING and str(source).upper() != "NTP":
            problems.append(f"clock is set {source!s} instead of by NTP")
    return "; ".join(problems) or None


def _anonymous_operations(ctx: CheckContext[Any]) -> str | None:
    """The operations the device answered without credentials, listed; None when none (or not read)."""
    anonymous = ctx.maybe(fv.auth.ANONYMOUS_OPERATIONS)
    if anonymous is MISSING or not anonymous:
        return None
    return ", ".join(map(str, anonymous))


class AccessSecurityParams(Params):
    """GDPR art 32 essentials."""

    max_clock_skew_s: float = Field(default=60.0, gt=0, description="Largest tolerated clock offset, seconds")
    require_tls: bool = True


@check("access_security", params=AccessSecurityParams)
def access_security(ctx: CheckContext[AccessSecurityParams]) -> CheckOutcome:
    """No operation answers without credentials, HTTPS is offered and the clock is synchronised."""
    problems: list[str] = []
    if anonymous := _anonymous_operations(ctx):
        problems.append(f"answers without credentials: {anonymous}")
    problems += obs.stream_access(ctx)
    transport = None
    if ctx.params.require_tls:
        transport = obs.transport_encryption(ctx)
        if transport is not None and not transport.encrypted:
            problems.append("HTTPS is not enabled (credentials and video travel in clear text)"
                            if not transport.observed else f"{transport.how} (credentials travel in clear text)")
    clock = _clock_problem(ctx, ctx.params.max_clock_skew_s, require_ntp=False)
    if clock:
        problems.append(clock)
    if problems:
        return ctx.failed("; ".join(problems))
    ctx.require_all()
    how = f" ({transport.how})" if transport is not None and transport.observed else ""
    return ctx.passed(f"authentication required for every probed operation and stream, HTTPS offered{how}, "
                      f"clock synchronised")


class IntegrityParams(Params):
    """CZ §2.1.3 integrity: access control and trustworthy time data."""

    max_clock_skew_s: float = Field(default=60.0, gt=0)
    require_ntp: bool = True
    require_time_overlay: bool = True


@check("integrity_measures", params=IntegrityParams)
def integrity_measures(ctx: CheckContext[IntegrityParams]) -> CheckOutcome:
    """Configuration needs authentication, the clock follows NTP and recordings carry a time overlay."""
    problems: list[str] = []
    if anonymous := _anonymous_operations(ctx):
        problems.append(f"configuration readable without credentials ({anonymous})")
    clock = _clock_problem(ctx, ctx.params.max_clock_skew_s, ctx.params.require_ntp)
    if clock:
        problems.append(clock)
    if ctx.params.require_time_overlay:
        osd = ctx.maybe(fv.media.OSD_DATETIME)
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
    transport = obs.transport_encryption(ctx)
    if transport is not None and not transport.encrypted:
        problems.append(f"no encrypted transport ({transport.how})")
    if anonymous := _anonymous_operations(ctx):
        problems.append(f"no access control on {anonymous}")
    if ctx.params.require_masks:
        masks = ctx.maybe(fv.privacy.MASKS)
        if masks is not MISSING and not any(m.enabled for m in masks or []):
            problems.append("no privacy mask configured")
    if problems:
        return ctx.failed("; ".join(problems))
    ctx.require_all()
    return ctx.passed("encrypted transport and access control in place")


class TlsCertificateParams(Params):
    """What counts as a valid and strong server certificate (self-signed is normal for cameras: not judged)."""

    min_rsa_bits: int = Field(default=2048, ge=512, description="Smallest acceptable RSA/DSA key")
    min_ec_bits: int = Field(default=256, ge=160, description="Smallest acceptable elliptic-curve key")
    reject_legacy_tls: bool = Field(default=True, description="Fail when the device still accepts TLS 1.0/1.1")


def _weak_key(cert: TlsCertificate, params: TlsCertificateParams) -> str | None:
    kind, bits = cert.key_type.lower(), cert.key_bits
    if bits is None:
        return None
    floor = params.min_ec_bits if kind == "ec" else params.min_rsa_bits if kind in ("rsa", "dsa") else None
    if floor is not None and int(bits) < floor:
        return f"weak {kind.upper()} key of {bits} bits (at least {floor} needed)"
    return None


def _observed_at(fact: Fact) -> datetime | None:
    """When the certificate was seen (the handshake's time), if the fact recorded it."""
    when = fact.evidence.received_at if fact.evidence is not None else None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


@check("tls_certificate", params=TlsCertificateParams)
def tls_certificate(ctx: CheckContext[TlsCertificateParams]) -> CheckOutcome:
    """The certificate the device's HTTPS really presents is within its validity period and has a strong key."""
    none = obs.unsupported(ctx, fv.tls.CERTIFICATE)
    if none is not None:
        return ctx.not_applicable(f"no TLS served, so no certificate to judge ({none.reason})")
    assert ctx.device is not None
    fact = ctx.device.get(fv.tls.CERTIFICATE)
    cert = ctx.fact(fv.tls.CERTIFICATE)
    if cert is None:
        raise Unknown("fact `tls.certificate` is ok but holds no certificate")
    problems: list[str] = []
    not_after = _parse_time(cert.not_after)
    not_before = _parse_time(cert.not_before)
    # Validity is what the device showed when it was read, not what it would be on the `--at` day:
    # `--at` moves the calendar (holidays, waivers, declared end dates), never the observation.
    seen = _observed_at(fact) or ctx.at
    if not_after is not None and seen > not_after:
        problems.append(f"certificate expired on {not_after.date().isoformat()} (read on {seen.date().isoformat()})")
    elif not_after is None and cert.expired:
        problems.append("certificate expired")
    if not_before is not None and seen < not_before:
        problems.append(f"certificate not valid before {not_before.date().isoformat()} "
                        f"(read on {seen.date().isoformat()})")
    weak = _weak_key(cert, ctx.params)
    if weak:
        problems.append(weak)
    if (cert.signature_hash or "").lower() in ("md5", "sha1"):
        problems.append(f"signed with {cert.signature_hash}")
    legacy_unknown = None
    if ctx.params.reject_legacy_tls:
        versions = ctx.maybe(fv.tls.VERSIONS)
        if isinstance(versions, TlsVersions):
            if versions.legacy_accepted:
                problems.append("TLS 1.0/1.1 still accepted")
            elif versions.legacy_accepted is None:
                legacy_unknown = ("whether TLS 1.0/1.1 is still accepted could not be tested from this host "
                                  "(reject_legacy_tls: false judges the certificate alone)")
    if problems:
        return ctx.failed("; ".join(problems))
    ctx.require_all()
    if legacy_unknown:
        raise Unknown(legacy_unknown)
    kind = f"{cert.key_type.upper()} {cert.key_bits}-bit"
    issued = "self-signed" if cert.self_signed else f"issued by {cert.issuer}"
    until = not_after.date().isoformat() if not_after else "?"
    return ctx.passed(f"certificate valid until {until}, {kind} key, {issued}")


@check("tls_verification")
def tls_verification(ctx: CheckContext[Any]) -> CheckOutcome:
    """With the site's CA bundle given, the camera's certificate verifies against it and the address reached."""
    none = obs.unsupported(ctx, fv.tls.VERIFICATION)
    if none is not None:
        return ctx.not_applicable(f"no TLS served, so no certificate to verify ({none.reason})")
    assert ctx.device is not None
    if fv.tls.VERIFICATION.key not in ctx.device.facts:  # a document from before the fact existed
        return ctx.not_applicable("this scan did not record certificate verification (no CA bundle was given)")
    verification = ctx.fact(fv.tls.VERIFICATION)  # error / not_probed: Unknown, never a pass
    if verification is None:
        raise Unknown("fact `tls.verification` is ok but holds no result")
    if not verification.requested:
        return ctx.not_applicable(verification.reason or "no CA bundle given: certificates were not verified")
    failed = [e for e in verification.endpoints if e.verified is False]
    if verification.verified is False or failed:
        shown = [f"port {e.port}: {e.reason}" + (f" (certificate {e.subject}, issued by {e.issuer})"
                                                  if e.subject else "") for e in failed]
        return ctx.failed(f"certificate not verified against {verification.bundle or 'the CA bundle'}: "
                          + ("; ".join(shown) or verification.reason or "no reason given"))
    unknown = [e for e in verification.endpoints if e.verified is None]
    if unknown or verification.verified is not True:
        raise Unknown("; ".join(f"port {e.port} could not be verified: {e.reason}" for e in unknown)
                      or "whether the certificate verifies is unknown")
    hosts = ", ".join(f"{e.host}:{e.port}" for e in verification.endpoints)
    issuers = sorted({e.issuer for e in verification.endpoints if e.issuer})
    return ctx.passed(f"certificate verified against {verification.bundle or 'the CA bundle'} for {hosts}"
                      + (f", issued by {'; '.join(issuers)}" if issuers else ""))


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
