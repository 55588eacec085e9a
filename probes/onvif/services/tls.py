"""Transport security: tls.versions and tls.certificate from a real handshake with the device's own address
(after network.protocols, which names the HTTPS port of a device read over plain HTTP), and tls.verification
against the site's CA bundle when one is given (`probes/onvif/trust.py`: one extra handshake per port)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from probes import clock
from probes.errors import DeviceError
from probes.facts import Evidence, Fact, FactStatus
from probes.factvalues.network import NetworkProtocol
from probes.factvalues.tls import TlsCertificate, TlsVerification, TlsVersions
from probes.onvif import _tls as T
from probes.onvif import trust
from probes.onvif.services._context import ReadContext

KEYS = ("tls.versions", "tls.certificate", "tls.verification")
"""The facts this reader sets."""

VERIFY_SOURCE = "tls-verify"
MAX_VERIFIED_PORTS = 4
"""HTTPS ports one device gets a verifying handshake on at most (one extra connection each)."""


def not_requested() -> Fact:
    """tls.verification of a read without a CA bundle: a statement about the scan, not the device, so it is
    set before the device is asked anything (a deadline or a broken device never turns it into unknown)."""
    return Fact.observed(TlsVerification(requested=False, reason=(
        "no CA bundle given (--ca-bundle or scan.ca_bundle): certificates are recorded, not verified")),
        VERIFY_SOURCE)


def _https_ports_used(ctx: ReadContext) -> list[int]:
    """The HTTPS ports of the URLs the reader used (the device service and every other service)."""
    return [urlsplit(u).port or 443 for u in [ctx.device_xaddr, *ctx.urls.values()] if u.startswith("https://")]


async def read_tls(ctx: ReadContext) -> None:
    """tls.versions, tls.certificate and tls.verification from real handshakes with the device's own address."""
    ctx.sheet.start(*KEYS)
    presented = await _read_handshake(ctx)
    await _read_verification(ctx, presented)


async def _read_handshake(ctx: ReadContext) -> tuple[int, bytes] | None:
    """tls.versions and tls.certificate; (port, DER certificate) of the handshake that showed one."""
    keys = KEYS[:2]
    source = "tls-handshake"
    https_ports = _https_ports_used(ctx)
    over_https = bool(https_ports)
    ports = list(dict.fromkeys(https_ports))[:1]
    if not ports:
        protocols = ctx.sheet.facts.get("network.protocols")
        if protocols is None or not protocols.ok:
            why = (f"network.protocols is {protocols.status}: {protocols.reason}" if protocols
                   else "network.protocols was not read")
            for key in keys:
                ctx.sheet.fail(key, FactStatus.NOT_PROBED, source,
                                f"ONVIF was read over plain HTTP and the HTTPS port is unknown ({why})")
            return None
        listed: list[NetworkProtocol] = protocols.value or []
        https = [p for p in listed if p.name.upper() == "HTTPS"]
        named = [port for p in https if p.enabled for port in p.ports]
        ports = list(dict.fromkeys(port for port in named if 0 < port < 65536)
                     )[:2] or ([443] if any(p.enabled for p in https) else [])
        if not ports:
            for key in keys:
                ctx.sheet.fail(key, FactStatus.UNSUPPORTED, source,
                                "HTTPS is disabled (tds:GetNetworkProtocols) and ONVIF was read over plain HTTP",
                                protocols.evidence)
            return None
    timeout = ctx.ch.request_timeout_s
    refused: list[str] = []
    for port in ports:
        try:
            shake = await T.handshake(ctx.ch.address, port, timeout)
        except T.NotTls as exc:
            refused.append(str(exc))
            ctx.ch.record_tls(port, clock.now(), error=str(exc))
            continue
        except DeviceError as exc:
            for key in keys:
                ctx.sheet.fail(key, FactStatus.ERROR, source, str(exc))
            return None
        legacy = await T.accepts_legacy(ctx.ch.address, port, timeout)
        cert: TlsCertificate | DeviceError
        try:
            cert = T.certificate_facts(shake.certificate, shake.at)
        except DeviceError as exc:
            cert = exc
        ctx.ch.record_tls(port, shake.at, protocol=shake.protocol, cipher=shake.cipher, legacy_accepted=legacy,
                          certificate=None if isinstance(cert, DeviceError) else cert)
        ev = Evidence(operation=source, excerpt=f"{ctx.ch.address}:{port} {shake.protocol} {shake.cipher}"
                      + ("" if isinstance(cert, DeviceError) else f" subject={cert.subject} "
                         f"issuer={cert.issuer} not_after={cert.not_after}"),
                      sha256=hashlib.sha256(shake.certificate).hexdigest(), received_at=shake.at)
        ctx.sheet.ok("tls.versions", TlsVersions(served=True, port=port, negotiated=shake.protocol,
                                                 cipher=shake.cipher, legacy_accepted=legacy,
                                                 onvif_over_https=over_https), source, ev,
                      reason=None if legacy is not None else "whether TLS 1.0/1.1 is accepted could not be "
                                                             "tested from this host")
        if isinstance(cert, DeviceError):
            ctx.sheet.fail("tls.certificate", FactStatus.ERROR, source, str(cert), ev)
        else:
            ctx.sheet.ok("tls.certificate", cert, source, ev, reason="not verified (recorded as presented)")
        return port, shake.certificate
    reason = "; ".join(refused)
    ctx.sheet.ok("tls.versions", TlsVersions(served=False, port=ports[0], negotiated=None, cipher=None,
                                             legacy_accepted=None, onvif_over_https=False), source,
                  reason=f"HTTPS is enabled in tds:GetNetworkProtocols but no TLS was served: {reason}")
    ctx.sheet.fail("tls.certificate", FactStatus.UNSUPPORTED, source, f"no TLS served: {reason}")
    return None


async def _read_verification(ctx: ReadContext, presented: tuple[int, bytes] | None) -> None:
    """tls.verification: requested=false without a bundle; else one verifying handshake per HTTPS port used."""
    bundle = ctx.ch.ca_bundle
    if bundle is None:
        ctx.sheet.facts.setdefault("tls.verification", not_requested())  # the reader set it before the read
        return
    certificate = ctx.sheet.facts.get("tls.certificate")
    if presented is None or certificate is None or not certificate.ok:
        status = certificate.status if certificate is not None and not certificate.ok else FactStatus.ERROR
        why = certificate.reason if certificate is not None else "tls.certificate was not read"
        ctx.sheet.fail("tls.verification", status, VERIFY_SOURCE, f"no certificate to verify: {why}")
        return
    ports = list(dict.fromkeys(_https_ports_used(ctx) or [presented[0]]))[:MAX_VERIFIED_PORTS]
    results = tuple([await trust.verify(ctx.ch.address, port, ctx.ch.request_timeout_s, bundle,
                                        presented[1] if port == presented[0] else None) for port in ports])
    at = clock.now()
    excerpt = "; ".join(f"{r.host}:{r.port} " + ("verified" if r.verified else f"not verified: {r.reason}"
                                                 if r.verified is False else f"unknown: {r.reason}")
                        + (f" subject={r.subject} issuer={r.issuer}" if r.subject else "") for r in results)
    ev = Evidence(operation=VERIFY_SOURCE, excerpt=f"against {bundle.origin}: {excerpt}"[:1024], received_at=at)
    failed = [r for r in results if r.verified is False]
    unknown = [r for r in results if r.verified is None]
    if unknown and not failed:
        ctx.sheet.fail("tls.verification", FactStatus.ERROR, VERIFY_SOURCE,
                       "; ".join(f"port {r.port}: {r.reason}" for r in unknown), ev)
        return
    first = failed[0] if failed else None
    ctx.sheet.ok("tls.verification", TlsVerification(
        requested=True, verified=not failed, reason=first.reason if first else None, bundle=bundle.origin,
        endpoints=results), VERIFY_SOURCE, ev,
        reason=(f"port {unknown[0].port} could not be verified: {unknown[0].reason}" if unknown else None))
