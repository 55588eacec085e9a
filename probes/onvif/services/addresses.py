"""Device service, first: where every other service is (tds:GetServices, tds:GetCapabilities as a second
witness; both without credentials). What they list, and where they disagree, decides absence elsewhere."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from probes.errors import DeviceError
from probes.factvalues.services import OfferedService
from probes.onvif import _parsers as P
from probes.onvif._ns import SERVICE_BY_NAMESPACE, Service
from probes.onvif._transport import Reply
from probes.onvif.services._context import CAPABILITY_SERVICES, ReadContext, a_service, evidence_of

log = logging.getLogger(__name__)

KEYS = ("services",)
"""The facts this reader sets."""


async def read_services(ctx: ReadContext) -> None:
    """Service addresses from tds:GetServices and tds:GetCapabilities, both asked (both pre-auth).

    GetServices is the list (`services` fact); GetCapabilities is a second witness: a service only
    it names is read anyway, and their disagreement is recorded on the facts of that service. When
    GetServices fails the list comes from GetCapabilities; when both fail (or answer without their
    required elements) the services are unknown, never an empty list.
    """
    ctx.sheet.start("services")
    op, cap_op = "tds:GetServices", "tds:GetCapabilities"
    out, cap_out = await asyncio.gather(ctx.call_pre_auth(op, (("IncludeCapability", "false"),)),
                                        ctx.call_pre_auth(cap_op, (("Category", "All"),)))
    capable: tuple[OfferedService, ...] | None = None
    cap_caveat: str | None = None
    cap_failure = ""
    if isinstance(cap_out, Reply):
        try:
            listing = P.capabilities_listing(cap_out.element)
            capable, cap_caveat = listing.services, listing.caveat
        except DeviceError as exc:
            cap_failure = str(exc)
    else:
        cap_failure = str(cap_out)
    if capable is not None:
        ctx.capable = {svc for e in capable if (svc := SERVICE_BY_NAMESPACE.get(e.namespace))}
    witness = cap_caveat if capable is not None else (
        f"tds:GetCapabilities failed ({cap_failure}), so no service missing here is proven absent")
    found: Sequence[OfferedService] | None = ctx.record("services", op, out, P.services, reason=witness)
    if found is not None:
        ctx.listed = {svc for e in found if (svc := SERVICE_BY_NAMESPACE.get(e.namespace))}
    else:
        first = ctx.sheet.facts.pop("services")
        if capable is None:
            ctx.sheet.fail("services", first.status, op, f"{first.reason}; {cap_op}: {cap_failure}",
                            first.evidence)
            ctx.services_reason = f"tds:GetServices and tds:GetCapabilities failed: {first.reason}"
            return
        op, found = cap_op, capable
        ctx.sheet.ok("services", list(capable), cap_op, evidence_of(cap_op, cap_out), reason="; ".join(
            x for x in ((f"tds:GetServices failed ({first.reason}); services from GetCapabilities (which lists "
                        "no Media2, Thermal or Uplink service)"), cap_caveat) if x))
    ctx.services_known = True
    ctx.services_reason = op
    _note_conflicts(ctx)
    entries = list(found)
    if capable is not None and found is not capable:  # what only GetCapabilities names is read anyway
        entries += [e for e in capable if SERVICE_BY_NAMESPACE.get(e.namespace) not in (ctx.listed or set())]
    https_seen: set[Service] = set()
    for entry in entries:
        svc = SERVICE_BY_NAMESPACE.get(entry.namespace)
        if svc is None or svc in https_seen or (svc in ctx.urls and svc is not Service.DEVICE
                                                and not entry.xaddr.strip().startswith("https://")):
            continue  # an https XAddr of a service is never replaced by a plain http one
        try:
            url = ctx.ch.rewrite(entry.xaddr, ctx.device_xaddr)
        except DeviceError as exc:
            log.debug("ignoring service %s: %s", entry.namespace, exc)
            continue
        secure = url.startswith("https://")
        if svc is Service.DEVICE:
            # The device service stays where we reached it, unless the device also lists it over https
            # on its own address: then credentials go over TLS rather than plain HTTP.
            if not secure or ctx.device_xaddr.startswith("https://") or \
                    urlsplit(entry.xaddr.strip()).hostname != ctx.ch.address:
                continue
            ctx.device_xaddr = url
        ctx.urls[svc] = url
        if secure:
            https_seen.add(svc)


def _note_conflicts(ctx: ReadContext) -> None:
    """Where GetServices and GetCapabilities disagree about a service, say so on that service's facts."""
    if ctx.listed is None or ctx.capable is None:
        return
    for svc in CAPABILITY_SERVICES - {Service.DEVICE}:
        if svc in ctx.capable and svc not in ctx.listed:
            ctx.conflicts[svc] = (f"sources disagree: tds:GetCapabilities lists {a_service(svc)} service "
                                   "that tds:GetServices omits; read anyway")
        elif svc in ctx.listed and svc not in ctx.capable and not (
                svc is Service.MEDIA and Service.MEDIA2 in ctx.listed):
            ctx.conflicts[svc] = (f"sources disagree: tds:GetServices lists {a_service(svc)} service that "
                                   "tds:GetCapabilities omits")
