"""Device service settings: hostname, scopes, users, network, storage, dynamic DNS, remote user, interfaces
(the MAC) and, when discovery did not give it, the endpoint reference (the uuid)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from probes.errors import DeviceError
from probes.facts import FactStatus
from probes.onvif import _parsers as P
from probes.onvif._transport import Reply
from probes.onvif.services._context import ReadContext, evidence_of

log = logging.getLogger(__name__)

KEYS = ("identity.hostname", "identity.scopes", "capabilities.security", "users", "network.gateway", "network.dns",
        "network.ntp", "network.protocols", "network.zero_configuration", "network.discovery_mode",
        "network.ip_filter", "storage.targets", "cloud.dynamic_dns", "cloud.remote_user", "network.interfaces")
"""The facts this reader sets."""


async def read_device_settings(ctx: ReadContext) -> None:
    reads: list[Awaitable[Any]] = [
        ctx.read("identity.hostname", "tds:GetHostname", P.hostname),
        ctx.read("identity.scopes", "tds:GetScopes", P.scopes),
        ctx.read("capabilities.security", "tds:GetServiceCapabilities", P.security_capabilities),
        _users(ctx),
        ctx.read("network.gateway", "tds:GetNetworkDefaultGateway", P.gateway),
        ctx.read("network.dns", "tds:GetDNS", P.dns),
        ctx.read("network.ntp", "tds:GetNTP", P.ntp),
        ctx.read("network.protocols", "tds:GetNetworkProtocols", P.network_protocols),
        ctx.read("network.zero_configuration", "tds:GetZeroConfiguration", P.zero_configuration),
        ctx.read("network.discovery_mode", "tds:GetDiscoveryMode", P.discovery_mode),
        ctx.read("network.ip_filter", "tds:GetIPAddressFilter", P.ip_filter),
        ctx.read("storage.targets", "tds:GetStorageConfigurations", P.storage_configurations),
        ctx.read("cloud.dynamic_dns", "tds:GetDynamicDNS", P.dynamic_dns),
        ctx.read("cloud.remote_user", "tds:GetRemoteUser", P.remote_user),
        _interfaces(ctx),
    ]
    if not ctx.endpoint_uuid:
        reads.append(_endpoint(ctx))
    await asyncio.gather(*reads)


async def _users(ctx: ReadContext) -> None:
    """tds:GetUsers; an empty list while our own login was accepted cannot be the whole truth."""
    key, op = "users", "tds:GetUsers"
    ctx.sheet.start(key)
    out = await ctx.call(op)
    if isinstance(out, Reply) and ctx.ch.auth.scheme is not None:
        try:
            empty = P.users(out.element) == []
        except DeviceError:
            empty = False
        if empty:
            ctx.sheet.fail(key, FactStatus.ERROR, op, "tds:GetUsers lists no user, but camaudit logged in as "
                            "one: the list is incomplete", evidence_of(op, out))
            return
    ctx.record(key, op, out, P.users)


async def _interfaces(ctx: ReadContext) -> None:
    key, op = "network.interfaces", "tds:GetNetworkInterfaces"
    prefetched = ctx.prefetched.pop(op, None)  # asked with credentials to settle the auth scheme
    if prefetched is not None:
        ctx.sheet.start(key)
        nics = ctx.record(key, op, prefetched, P.network_interfaces)
    else:
        nics = await ctx.read(key, op, P.network_interfaces)
    for nic in nics or []:
        if nic.mac and nic.enabled:
            ctx.mac = nic.mac
            break


async def _endpoint(ctx: ReadContext) -> None:
    out = await ctx.call_pre_auth("tds:GetEndpointReference")
    if isinstance(out, Reply):
        try:
            ctx.endpoint_uuid = P.endpoint_reference(out.element)
        except DeviceError as exc:
            log.debug("GetEndpointReference: %s", exc)
