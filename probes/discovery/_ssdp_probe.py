"""SSDP M-SEARCH on chosen interfaces, then each in-scope LOCATION's UPnP device description."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

import aiohttp

from probes.discovery._budget import deadline_of, remaining
from probes.discovery._interfaces import Interface
from probes.discovery._ssdp import (
    MAX_DESCRIPTION,
    MAX_REPLY,
    SSDP_ERRORS,
    SSDP_GROUP,
    SSDP_PORT,
    SsdpReply,
    build_msearch,
    parse_description,
    parse_reply,
)
from probes.discovery._udp import multicast_sender, open_collector
from probes.discovery.model import DiscoveredDevice, Signal
from probes.scope import Scope

log = logging.getLogger(__name__)

SEARCH_TARGETS = ("upnp:rootdevice",)
DESCRIBE_MIN = 1.0  # s, at least, for fetching descriptions of devices that answered (even past the deadline)
_FETCH_ERRORS: tuple[type[Exception], ...] = (*SSDP_ERRORS, aiohttp.ClientError, TimeoutError)


async def search(scope: Scope, interfaces: Sequence[Interface], *, timeout: float,
                 deadline: float | None = None) -> list[DiscoveredDevice]:
    """M-SEARCH, listen for two thirds of `timeout`, then fetch descriptions until `deadline` (default:
    `timeout` from now), giving devices that answered at least DESCRIBE_MIN."""
    deadline = deadline_of(deadline, timeout)
    listen_until = deadline - timeout / 3  # devices answer within MX (about timeout/2): in by then
    replies: dict[str, tuple[str, SsdpReply]] = {}  # LOCATION -> (source, reply)

    def on_datagram(data: bytes, source: str) -> None:
        if not scope.contains(source):
            return
        try:
            reply = parse_reply(data)
        except SSDP_ERRORS as exc:
            log.debug("dropped SSDP datagram from %s: %s", source, exc)
            return
        replies.setdefault(reply.location, (source, reply))

    transports = []
    mx = max(1, min(int(timeout / 2), 3))
    try:
        for iface in interfaces:
            transports.append(await open_collector(multicast_sender(iface.address), on_datagram, limit=MAX_REPLY))
        for repeat in range(2):  # UDP: say it twice
            for transport in transports:
                for st in SEARCH_TARGETS:
                    try:
                        transport.sendto(build_msearch(st, mx), (SSDP_GROUP, SSDP_PORT))
                    except OSError as exc:
                        log.debug("M-SEARCH failed: %s", exc)
            if repeat == 0:
                await asyncio.sleep(0.1)
        await asyncio.sleep(remaining(listen_until))
    finally:
        for transport in transports:
            transport.close()
    return await _describe(scope, list(replies.values()), timeout=max(remaining(deadline), DESCRIBE_MIN))


async def _describe(scope: Scope, found: list[tuple[str, SsdpReply]], *, timeout: float) -> list[DiscoveredDevice]:
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=client_timeout) as session:
        return list(await asyncio.gather(*(_one(session, scope, s, r) for s, r in found)))


async def _one(session: aiohttp.ClientSession, scope: Scope, source: str, reply: SsdpReply) -> DiscoveredDevice:
    device = DiscoveredDevice(addresses=[source], signals=[Signal.SSDP], upnp_udn=reply.udn)
    host = urlsplit(reply.location).hostname
    if not host or not scope.contains(host):
        log.debug("SSDP LOCATION %s is outside the scope: not fetched", reply.location)
        return device
    try:
        async with session.get(reply.location, allow_redirects=False) as response:
            data = await response.content.read(MAX_DESCRIPTION + 1)
        description = parse_description(data)
    except _FETCH_ERRORS as exc:
        log.debug("UPnP description %s unusable: %s", reply.location, exc)
        return device
    device.manufacturer = description.manufacturer
    device.model = description.model
    device.serial = description.serial
    device.name = description.friendly_name
    device.upnp_udn = description.udn or reply.udn
    return device
