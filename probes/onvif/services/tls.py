"""Transport security: tls.versions and tls.certificate from a real handshake with the device's own address
(after network.protocols, which names the HTTPS port of a device read over plain HTTP)."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from probes import clock
from probes.errors import DeviceError
from probes.facts import Evidence, FactStatus
from probes.factvalues.network import NetworkProtocol
from probes.onvif import _tls as T
from probes.onvif.services._context import ReadContext

KEYS = ("tls.versions", "tls.certificate")
"""The facts this reader sets."""


async def read_tls(ctx: ReadContext) -> None:
    """tls.versions and tls.certificate from a real handshake with the device's own address."""
    keys = KEYS
    ctx.sheet.start(*keys)
    source = "tls-handshake"
    https_ports = [urlsplit(u).port or 443 for u in [ctx.device_xaddr, *ctx.urls.values()]
                   if u.startswith("https://")]
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
            return
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
            return
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
            return
        legacy = await T.accepts_legacy(ctx.ch.address, port, timeout)
        cert: dict[str, Any] | DeviceError
        try:
            cert = T.certificate_facts(shake.certificate, shake.at)
        except DeviceError as exc:
            cert = exc
        ctx.ch.record_tls(port, shake.at, protocol=shake.protocol, cipher=shake.cipher, legacy_accepted=legacy,
                          certificate=None if isinstance(cert, DeviceError) else cert)
        ev = Evidence(operation=source, excerpt=f"{ctx.ch.address}:{port} {shake.protocol} {shake.cipher}"
                      + ("" if isinstance(cert, DeviceError) else f" subject={cert['subject']} "
                         f"issuer={cert['issuer']} not_after={cert['not_after']}"),
                      sha256=hashlib.sha256(shake.certificate).hexdigest(), received_at=shake.at)
        ctx.sheet.ok("tls.versions", {"served": True, "port": port, "negotiated": shake.protocol,
                                       "cipher": shake.cipher, "legacy_accepted": legacy,
                                       "onvif_over_https": over_https}, source, ev,
                      reason=None if legacy is not None else "whether TLS 1.0/1.1 is accepted could not be "
                                                             "tested from this host")
        if isinstance(cert, DeviceError):
            ctx.sheet.fail("tls.certificate", FactStatus.ERROR, source, str(cert), ev)
        else:
            ctx.sheet.ok("tls.certificate", cert, source, ev, reason="not verified (recorded as presented)")
        return
    reason = "; ".join(refused)
    ctx.sheet.ok("tls.versions", {"served": False, "port": ports[0], "negotiated": None, "cipher": None,
                                   "legacy_accepted": None, "onvif_over_https": False}, source,
                  reason=f"HTTPS is enabled in tds:GetNetworkProtocols but no TLS was served: {reason}")
    ctx.sheet.fail("tls.certificate", FactStatus.UNSUPPORTED, source, f"no TLS served: {reason}")
