"""TCP connect sweep of camera ports, then an ONVIF device-service check on open HTTP(S) ports.

Any SOAP envelope (even a fault or a 401 body) from /onvif/device_service means an ONVIF device.
The check tries TLS first on 443/8443, and on any other port falls back to TLS when plain HTTP
fails in a way that looks like a TLS server (connection dropped, TLS alert bytes, or an HTTP 400
saying "HTTPS"/"SSL"/"TLS"). An ONVIF service found over TLS becomes an https XAddr of the device,
so the reader uses https there (certificates are not verified: cameras use self-signed ones).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import re
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import aiohttp
from lxml import etree

from probes.discovery._budget import deadline_of, remaining
from probes.discovery._wsd import normalize_uuid
from probes.discovery._xml import PARSE_ERRORS, parse_xml, text
from probes.discovery.model import DiscoveredDevice, Signal
from probes.onvif._tls import client_context
from probes.scope import Scope

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 1.0  # s, second pass: a LAN camera accepts within milliseconds, a silent address never does
QUICK_CONNECT_MIN = 0.3  # s, first pass (timeout/10, at least this) ...
QUICK_CONNECT_FLOOR = 0.15  # s ... unless the pass would overrun the deadline: then down to this (LAN: ms)
QUICK_SHARE = 0.7  # of the budget for the quick pass; its ONVIF checks and the loop's own overhead get the rest
NOT_HTTP = frozenset({554, 37777})  # RTSP, Dahua private protocol: no ONVIF check there
TLS_FIRST = frozenset({443, 8443})
HTTP_TIMEOUT = 3.0  # s, at least, per ONVIF check (even past the deadline): a busy camera takes a second or two
# for its first SOAP reply, and dropping a camera whose port is open costs more than a late discovery
MAX_SOAP_REPLY = 64 * 1024
SOAP_NAMESPACES = ("http://www.w3.org/2003/05/soap-envelope", "http://schemas.xmlsoap.org/soap/envelope/")
DEVICE_SERVICE_PATH = "/onvif/device_service"
GET_ENDPOINT_REFERENCE = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
    b'<s:Body><GetEndpointReference xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
)
NS_TDS = "http://www.onvif.org/ver10/device/wsdl"
GET_SYSTEM_DATE_AND_TIME = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
    b'<s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
)


class Outcome(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # refused (RST): the host is there
    SILENT = "silent"  # no answer in time (or unreachable): nobody there, or a firewall


async def _connect(address: str, port: int, timeout: float) -> Outcome:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        async with asyncio.timeout(timeout):
            await loop.sock_connect(sock, (address, port))
        return Outcome.OPEN
    except TimeoutError:
        return Outcome.SILENT
    except OSError as exc:
        if exc.errno == errno.ECONNREFUSED:
            return Outcome.CLOSED
        if exc.errno not in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            log.debug("connect %s:%d: %s", address, port, exc)
        return Outcome.SILENT
    finally:
        sock.close()


@dataclass
class Sweep:
    """Outcome of a connect sweep: open ports, hosts that showed life, pairs that stayed silent."""

    open_ports: dict[str, set[int]] = field(default_factory=dict)
    alive: set[str] = field(default_factory=set)
    silent: list[tuple[str, int]] = field(default_factory=list)
    onvif: dict[str, set[int]] = field(default_factory=dict)  # ports where the ONVIF device service answered
    guids: dict[str, str] = field(default_factory=dict)  # GetEndpointReference per address
    tls: dict[str, set[int]] = field(default_factory=dict)  # of those, ports where it answered over TLS
    connect_timeout: float = 0.0  # s, the connect timeout this sweep used


async def sweep(scope: Scope, targets: Iterable[tuple[str, int]], *, concurrency: int, timeout: float) -> Sweep:
    """Connect to every (address, port) in scope once, at most `concurrency` at a time.

    A fixed pool of workers pulls from one iterator, so a /16 costs `concurrency` tasks, not a million.
    """
    result = Sweep(connect_timeout=timeout)
    pairs = iter(dict.fromkeys(targets))
    in_scope: dict[str, bool] = {}  # per address, not per pair: nine ports would parse it nine times

    async def worker() -> None:
        for address, port in pairs:
            allowed = in_scope.get(address)
            if allowed is None:
                allowed = in_scope[address] = scope.contains(address)
            if not allowed:  # the gate, before any SYN
                continue
            outcome = await _connect(address, port, timeout)
            if outcome is Outcome.SILENT:
                result.silent.append((address, port))
                continue
            result.alive.add(address)
            if outcome is Outcome.OPEN:
                result.open_ports.setdefault(address, set()).add(port)

    async with asyncio.TaskGroup() as group:
        for n in range(max(1, concurrency)):
            group.create_task(worker(), name=f"discover.tcp-sweep[{n}]")
    return result


def _envelope(data: bytes) -> etree._Element | None:
    try:
        root = parse_xml(data, limit=MAX_SOAP_REPLY)
    except PARSE_ERRORS:
        return None
    return root if any(root.tag == f"{{{ns}}}Envelope" for ns in SOAP_NAMESPACES) else None


def is_soap_envelope(data: bytes) -> bool:
    return _envelope(data) is not None


def endpoint_guid(data: bytes) -> str | None:
    """The tds:GUID of a GetEndpointReferenceResponse, normalised like a WS-Discovery uuid."""
    root = _envelope(data)
    if root is None:
        return None
    guid = text(root.find(f".//{{{NS_TDS}}}GetEndpointReferenceResponse/{{{NS_TDS}}}GUID"))
    return normalize_uuid(guid) if guid and len(guid) <= 256 else None


_TLS_WORDS = re.compile(rb"https|ssl|tls", re.IGNORECASE)
_TLS_RECORD = (b"\x15\x03", b"\x16\x03")  # a TLS alert / handshake record where HTTP was expected


def tls_context() -> ssl.SSLContext:
    """The reader's own context (no verification, weak keys and old versions allowed), so the endpoint
    check finds every camera the reader can then read."""
    return client_context()


def looks_like_tls(status: int, body: bytes) -> bool:
    """A plain-HTTP reply that says "this is a TLS port" (nginx, lighttpd and camera web servers do)."""
    return body.startswith(_TLS_RECORD) or (status == 400 and bool(_TLS_WORDS.search(body[:2048])))


async def _post(session: aiohttp.ClientSession, url: str, body: bytes) -> tuple[int, bytes]:
    async with session.post(url, data=body, allow_redirects=False,
                            headers={"Content-Type": "application/soap+xml; charset=utf-8"}) as response:
        return response.status, await response.content.read(MAX_SOAP_REPLY + 1)


async def onvif_check(session: aiohttp.ClientSession, address: str, port: int) -> tuple[bool, str | None]:
    """(is ONVIF, endpoint uuid) for one open port (see `onvif_probe`, which also says whether over TLS)."""
    is_onvif, guid, _ = await onvif_probe(session, address, port)
    return is_onvif, guid


async def onvif_probe(session: aiohttp.ClientSession, address: str, port: int) -> tuple[bool, str | None, bool]:
    """(is ONVIF, endpoint uuid, over TLS) for one open port.

    POSTs GetSystemDateAndTime (pre-auth in ONVIF Core) to the device service: any SOAP envelope back
    means ONVIF. Then GetEndpointReference (also pre-auth) for the endpoint uuid, so that a camera in
    NonDiscoverable mode keeps the same device id as when it answered WS-Discovery. TLS first on
    443/8443; elsewhere TLS only after plain HTTP failed or answered like a TLS port.
    """
    schemes = ("https", "http") if port in TLS_FIRST else ("http", "https")
    host = f"[{address}]" if ":" in address else address
    for scheme in schemes:
        url = f"{scheme}://{host}:{port}{DEVICE_SERVICE_PATH}"
        try:
            status, body = await _post(session, url, GET_SYSTEM_DATE_AND_TIME)
        except (aiohttp.ClientError, TimeoutError, ValueError, ssl.SSLError) as exc:
            log.debug("ONVIF check %s: %s", url, exc)
            continue
        if not is_soap_envelope(body):
            if scheme == "http" and looks_like_tls(status, body):
                continue  # a TLS server's answer to plain HTTP: try https on the same port
            return False, None, False
        try:
            guid = endpoint_guid((await _post(session, url, GET_ENDPOINT_REFERENCE))[1])
        except (aiohttp.ClientError, TimeoutError, ValueError, ssl.SSLError) as exc:
            log.debug("GetEndpointReference %s: %s", url, exc)
            guid = None
        return True, guid, scheme == "https"
    return False, None, False


def quick_timeout(timeout: float) -> float:
    """Connect timeout of the first pass: long enough for any LAN and most WANs, short for silent /24s."""
    return min(max(timeout / 10, QUICK_CONNECT_MIN), CONNECT_TIMEOUT)


def fitted_quick_timeout(timeout: float, pairs: int, concurrency: int, budget: float) -> float:
    """quick_timeout, shortened (not below QUICK_CONNECT_FLOOR) so that `pairs` silent connects,
    `concurrency` at a time, fit in QUICK_SHARE of `budget` seconds: a silent /24 on 9 ports is
    ~2,200 connects that each wait the whole timeout."""
    waves = max(1.0, pairs / max(1, concurrency))
    return max(min(quick_timeout(timeout), QUICK_SHARE * budget / waves), QUICK_CONNECT_FLOOR)


async def first_pass(scope: Scope, targets: Iterable[tuple[str, int]], *, concurrency: int,
                     timeout: float, deadline: float | None = None) -> Sweep:
    """Quick sweep of every pair (fitted into the budget), then the ONVIF checks of what it found open
    (while other signals listen)."""
    deadline = deadline_of(deadline, timeout)
    pairs = list(dict.fromkeys(targets))
    connect = fitted_quick_timeout(timeout, len(pairs), concurrency, remaining(deadline))
    result = await sweep(scope, pairs, concurrency=concurrency, timeout=connect)
    log.debug("discovery: tcp quick pass (%d pairs, connect timeout %.3f s) done %.2f s after the start",
              len(pairs), connect, timeout - (deadline - _now()))
    await _check(result, result.open_ports, concurrency=concurrency, deadline=deadline)
    return result


def retry_timeout(timeout: float, deadline: float, quick: float) -> float:
    """Connect timeout of the second pass: what remains of the budget, but at least twice the quick one
    (a retry no more patient than the first try would find nothing new), at most the old fixed one."""
    return min(max(remaining(deadline), 2 * quick), max(CONNECT_TIMEOUT, timeout / 3))


async def finish(scope: Scope, first: Sweep, *, live: set[str], concurrency: int,
                 timeout: float, deadline: float | None = None) -> list[DiscoveredDevice]:
    """Second pass, then one record per address with open ports.

    Pairs that were silent in the quick first pass are tried again with a patient connect
    timeout (retry_timeout), but only on hosts that showed life (a port answered, or another
    signal saw them): a host that answers nothing anywhere is treated as absent, which is
    what keeps a /24 of silent addresses down to seconds.
    """
    deadline = deadline_of(deadline, timeout)
    retry = [(a, p) for a, p in first.silent if a in first.alive or a in live]
    if retry:
        patient = retry_timeout(timeout, deadline, first.connect_timeout or quick_timeout(timeout))
        second = await sweep(scope, retry, concurrency=concurrency, timeout=patient)
        await _check(first, second.open_ports, concurrency=concurrency, deadline=deadline)
        for address, ports in second.open_ports.items():
            first.open_ports.setdefault(address, set()).update(ports)
    return [DiscoveredDevice(addresses=[address], open_ports=sorted(ports),
                             onvif_ports=sorted(first.onvif.get(address, set())),
                             xaddrs=_tls_xaddrs(address, first.tls.get(address, set())),
                             endpoint_uuid=first.guids.get(address), signals=[Signal.TCP])
            for address, ports in sorted(first.open_ports.items()) if ports]


def _tls_xaddrs(address: str, ports: set[int]) -> list[str]:
    """https device service URLs where the ONVIF check succeeded over TLS (plain HTTP needs no XAddr)."""
    host = f"[{address}]" if ":" in address else address
    return [f"https://{host}:{port}{DEVICE_SERVICE_PATH}" for port in sorted(ports)]


def _now() -> float:
    return asyncio.get_running_loop().time()


async def _check(into: Sweep, open_ports: dict[str, set[int]], *, concurrency: int, deadline: float) -> None:
    """ONVIF check of every open HTTP(S)-capable port, until `deadline` but each given at least
    HTTP_TIMEOUT; results go into `into`."""
    checks = [(a, p) for a, ports in open_ports.items() for p in sorted(ports) if p not in NOT_HTTP]
    if not checks:
        return
    connector = aiohttp.TCPConnector(limit=min(concurrency, 64), ssl=tls_context(), force_close=True)
    client_timeout = aiohttp.ClientTimeout(total=max(remaining(deadline), HTTP_TIMEOUT))
    semaphore = asyncio.Semaphore(min(concurrency, 64))
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:

        async def check(address: str, port: int) -> None:
            async with semaphore:
                is_onvif, guid, over_tls = await onvif_probe(session, address, port)
            if is_onvif:
                into.onvif.setdefault(address, set()).add(port)
                if over_tls:
                    into.tls.setdefault(address, set()).add(port)
            if guid:
                into.guids.setdefault(address, guid)

        async with asyncio.TaskGroup() as group:
            for address, port in checks:
                group.create_task(check(address, port), name=f"discover[{address}].onvif{port}")
