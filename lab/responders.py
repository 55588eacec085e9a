"""Discovery responders for lab cameras: WS-Discovery, mDNS (zeroconf) and SSDP.

Written independently of probes/discovery (own XML, own matching) so the
scanner's parsers are tested against a second implementation, not themselves.

Unicast WS-Discovery works anywhere (each camera answers on its own address,
UDP 3702), so the host-side lab uses it on 127.x addresses. Everything
multicast (WS-Discovery Probe/Hello/Bye, mDNS, SSDP) runs only with
``multicast=True``, which is meant for network namespaces: never on a host's
real interfaces. A camera whose address is IPv6 (``fe80::1%eth0`` for
link-local) answers WS-Discovery on FF02::C of its interface; mDNS and SSDP
stay IPv4-only.

A camera with ``reply_from`` (another of its addresses, on another interface) answers Probes from that
address, as multi-homed cameras do: the ProbeMatch can reach the scanner through another interface than
the one its Probe left from, from an address the scan scope may or may not cover.

SSDP LOCATION points at a UPnP device description that the responder serves
itself from a tiny aiohttp app on the camera's address, on ``ssdp_port``
(0 = an ephemeral port, the default), path ``/upnp/device.xml``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import logging
import random
import socket
import struct
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import ifaddr
from aiohttp import web
from lxml import etree

log = logging.getLogger("lab.responders")

WSD_GROUP = "239.255.255.250"  # WS-Discovery 2005/04 section 2.4, also SSDP's group
WSD_GROUP6 = "ff02::c"  # its IPv6 link-scope group (cameras with an IPv6 address answer there)
WSD_PORT = 3702
SSDP_PORT = 1900
APP_MAX_DELAY = 0.5  # s, WS-Discovery APP_MAX_DELAY: random wait before answering a multicast Probe
MAX_DATAGRAM = 65535

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
NS_DN = "http://www.onvif.org/ver10/network/wsdl"
NS_TDS = "http://www.onvif.org/ver10/device/wsdl"
PREFIXES = {"dn": NS_DN, "tds": NS_TDS}
ACTION_PROBE = f"{NS_WSD}/Probe"
ACTION_MATCHES = f"{NS_WSD}/ProbeMatches"
ACTION_HELLO = f"{NS_WSD}/Hello"
ACTION_BYE = f"{NS_WSD}/Bye"
TO_DISCOVERY = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
TO_ANONYMOUS = f"{NS_WSA}/role/anonymous"
MATCH_RFC3986 = f"{NS_WSD}/rfc3986"
MATCH_STRCMP = f"{NS_WSD}/strcmp0"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass(frozen=True)
class ResponderCamera:
    """What one lab camera says about itself on the discovery protocols."""

    endpoint_uuid: str  # bare uuid (no urn:uuid:)
    address: str
    xaddrs: list[str]
    scopes: list[str]
    types: list[str]  # "dn:NetworkVideoTransmitter", "tds:Device" or "{namespace}Local"
    discoverable: bool
    name: str
    manufacturer: str
    model: str
    serial: str
    mac: str
    hostname: str
    http_port: int
    mdns: bool = True
    ssdp: bool = True
    ssdp_port: int = 0  # port of the UPnP description server (0 = ephemeral)
    metadata_version: int = 1
    reply_from: str | None = None  # multi-homed camera: ProbeMatches leave from this other address of it
    lost_replies: int = 0  # its first this many ProbeMatches are lost on the way (UDP loss), though answered
    nul_terminated: bool = False  # C firmware: a NUL after the ProbeMatches envelope, inside the datagram


    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.endpoint_uuid.removeprefix('urn:uuid:')}"


# --------------------------------------------------------------------------- WS-Discovery messages


def _qname(text: str) -> tuple[str, str]:
    if text.startswith("{"):
        ns, _, local = text[1:].partition("}")
        return ns, local
    prefix, _, local = text.partition(":")
    return PREFIXES.get(prefix, prefix), local


def _types_xml(types: list[str]) -> tuple[str, str]:
    """(xmlns declarations, space separated prefixed types)."""
    decls: dict[str, str] = {}
    names = []
    for i, t in enumerate(types):
        ns, local = _qname(t)
        prefix = next((p for p, uri in PREFIXES.items() if uri == ns), f"t{i}")
        decls[prefix] = ns
        names.append(f"{prefix}:{local}")
    return " ".join(f'xmlns:{p}="{escape(u)}"' for p, u in decls.items()), " ".join(names)


def _envelope(action: str, to: str, body: str, *, relates_to: str | None, instance_id: int,
              message_number: int, extra_ns: str = "") -> bytes:
    relates = f"<wsa:RelatesTo>{escape(relates_to)}</wsa:RelatesTo>" if relates_to else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{NS_SOAP}" xmlns:wsa="{NS_WSA}" xmlns:wsd="{NS_WSD}" {extra_ns}>'
        "<SOAP-ENV:Header>"
        f"<wsa:MessageID>urn:uuid:{uuidlib.uuid4()}</wsa:MessageID>{relates}"
        f"<wsa:To>{to}</wsa:To><wsa:Action>{action}</wsa:Action>"
        f'<wsd:AppSequence InstanceId="{instance_id}" MessageNumber="{message_number}"/>'
        "</SOAP-ENV:Header>"
        f"<SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def _endpoint_body(cam: ResponderCamera) -> tuple[str, str]:
    decls, types = _types_xml(cam.types)
    body = (
        f"<wsa:EndpointReference><wsa:Address>{escape(cam.urn)}</wsa:Address></wsa:EndpointReference>"
        f"<wsd:Types>{types}</wsd:Types>"
        f"<wsd:Scopes>{escape(' '.join(cam.scopes))}</wsd:Scopes>"
        f"<wsd:XAddrs>{escape(' '.join(cam.xaddrs))}</wsd:XAddrs>"
        f"<wsd:MetadataVersion>{cam.metadata_version}</wsd:MetadataVersion>"
    )
    return decls, body


def probe_matches(cam: ResponderCamera, relates_to: str, *, instance_id: int, message_number: int) -> bytes:
    decls, inner = _endpoint_body(cam)
    body = f"<wsd:ProbeMatches><wsd:ProbeMatch>{inner}</wsd:ProbeMatch></wsd:ProbeMatches>"
    return _envelope(ACTION_MATCHES, TO_ANONYMOUS, body, relates_to=relates_to, instance_id=instance_id,
                     message_number=message_number, extra_ns=decls)


def hello(cam: ResponderCamera, *, instance_id: int, message_number: int) -> bytes:
    decls, inner = _endpoint_body(cam)
    return _envelope(ACTION_HELLO, TO_DISCOVERY, f"<wsd:Hello>{inner}</wsd:Hello>", relates_to=None,
                     instance_id=instance_id, message_number=message_number, extra_ns=decls)


def bye(cam: ResponderCamera, *, instance_id: int, message_number: int) -> bytes:
    body = (f"<wsd:Bye><wsa:EndpointReference><wsa:Address>{escape(cam.urn)}</wsa:Address>"
            "</wsa:EndpointReference></wsd:Bye>")
    return _envelope(ACTION_BYE, TO_DISCOVERY, body, relates_to=None, instance_id=instance_id,
                     message_number=message_number)


@dataclass
class _Probe:
    message_id: str
    types: list[tuple[str, str]]
    scopes: list[str]
    match_by: str


def _parse_probe(data: bytes) -> _Probe | None:
    if len(data) > MAX_DATAGRAM or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return None
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        return None
    action = root.findtext(f"{{{NS_SOAP}}}Header/{{{NS_WSA}}}Action")
    probe = root.find(f"{{{NS_SOAP}}}Body/{{{NS_WSD}}}Probe")
    message_id = root.findtext(f"{{{NS_SOAP}}}Header/{{{NS_WSA}}}MessageID")
    if probe is None or (action or "").strip() != ACTION_PROBE or not message_id:
        return None
    types: list[tuple[str, str]] = []
    types_el = probe.find(f"{{{NS_WSD}}}Types")
    if types_el is not None and types_el.text:
        for token in types_el.text.split():
            prefix, _, local = token.rpartition(":")
            ns = types_el.nsmap.get(prefix or None)
            if ns is None:
                return None  # unresolvable QName: not a valid Probe
            types.append((ns, local))
    scopes_el = probe.find(f"{{{NS_WSD}}}Scopes")
    scopes = (scopes_el.text or "").split() if scopes_el is not None else []
    match_by = scopes_el.get("MatchBy", MATCH_RFC3986) if scopes_el is not None else MATCH_RFC3986
    return _Probe(message_id.strip(), types, scopes, match_by)


def _scope_matches(wanted: str, have: str, match_by: str) -> bool:
    """WS-Discovery 2005/04 section 5.1: RFC 3986 prefix match by path segments, or strcmp0."""
    if match_by == MATCH_STRCMP:
        return wanted == have
    if match_by != MATCH_RFC3986:
        return False
    w, h = urlsplit(wanted), urlsplit(have)
    if (w.scheme.lower(), w.netloc.lower()) != (h.scheme.lower(), h.netloc.lower()):
        return False
    ws = [s for s in w.path.split("/") if s]
    hs = [s for s in h.path.split("/") if s]
    return hs[: len(ws)] == ws


def matches(cam: ResponderCamera, probe: _Probe) -> bool:
    """Every listed type and every listed scope must match (WS-Discovery section 5.1)."""
    mine = {_qname(t) for t in cam.types}
    if not all(t in mine for t in probe.types):
        return False
    return all(any(_scope_matches(w, s, probe.match_by) for s in cam.scopes) for w in probe.scopes)


# --------------------------------------------------------------------------- SSDP


SSDP_DEVICE_TYPE = "urn:schemas-upnp-org:device:Basic:1"


def device_description(cam: ResponderCamera) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<root xmlns="urn:schemas-upnp-org:device-1-0">'
        "<specVersion><major>1</major><minor>0</minor></specVersion>"
        "<device>"
        f"<deviceType>{SSDP_DEVICE_TYPE}</deviceType>"
        f"<friendlyName>{escape(cam.name)}</friendlyName>"
        f"<manufacturer>{escape(cam.manufacturer)}</manufacturer>"
        f"<modelName>{escape(cam.model)}</modelName>"
        f"<modelNumber>{escape(cam.model)}</modelNumber>"
        f"<serialNumber>{escape(cam.serial)}</serialNumber>"
        f"<UDN>uuid:{escape(cam.endpoint_uuid)}</UDN>"
        f"<presentationURL>http://{escape(cam.address)}:{cam.http_port}/</presentationURL>"
        "</device></root>"
    ).encode()


def _ssdp_targets(cam: ResponderCamera, st: str) -> list[str]:
    uuid_st = f"uuid:{cam.endpoint_uuid}"
    if st == "ssdp:all":
        return ["upnp:rootdevice", uuid_st, SSDP_DEVICE_TYPE]
    if st in ("upnp:rootdevice", uuid_st, SSDP_DEVICE_TYPE):
        return [st]
    return []


def _ssdp_reply(cam: ResponderCamera, st: str, location: str) -> bytes:
    usn = f"uuid:{cam.endpoint_uuid}" + ("" if st.startswith("uuid:") else f"::{st}")
    return (
        "HTTP/1.1 200 OK\r\n"
        "CACHE-CONTROL: max-age=1800\r\n"
        "EXT:\r\n"
        f"LOCATION: {location}\r\n"
        "SERVER: Linux/5.10 UPnP/1.0 camaudit-lab/1.0\r\n"
        f"ST: {st}\r\n"
        f"USN: {usn}\r\n"
        "\r\n"
    ).encode()


def _parse_msearch(data: bytes) -> tuple[str, float] | None:
    try:
        text = data[:8192].decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes everything
        return None
    lines = text.split("\r\n")
    if not lines or not lines[0].upper().startswith("M-SEARCH * HTTP/1.1"):
        return None
    headers = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().upper()] = value.strip()
    if headers.get("MAN", "").strip('"') != "ssdp:discover" or "ST" not in headers:
        return None
    try:
        mx = max(0.0, min(float(headers.get("MX", "1")), 5.0))
    except ValueError:
        mx = 1.0
    return headers["ST"], mx


# --------------------------------------------------------------------------- sockets


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, handler: Any) -> None:
        self.handler = handler

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self.handler(data, addr)
        except Exception:
            log.debug("responder handler failed", exc_info=True)

    def error_received(self, exc: Exception) -> None:
        log.debug("responder socket error: %s", exc)


def _udp_socket(bind: tuple[str, int], *, reuse: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(AttributeError, OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(bind)
    sock.setblocking(False)
    return sock


def _multicast_socket(group: str, port: int, interface_address: str) -> socket.socket:
    """A socket that receives `group:port` on the interface that holds `interface_address`."""
    sock = _udp_socket((group, port), reuse=True)
    mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(interface_address))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return sock


def _is_ipv6(address: str) -> bool:
    return ":" in address


def _interface_index(address: str) -> int:
    """The index of the interface that holds `address` (its zone for link-local), for IPv6 multicast."""
    base, _, zone = address.partition("%")
    if zone:
        return int(zone) if zone.isdigit() else socket.if_nametoindex(zone)
    for adapter in ifaddr.get_adapters():
        if any(isinstance(ip.ip, tuple) and ip.ip[0].split("%")[0] == base for ip in adapter.ips):
            return int(adapter.index or 0)
    raise OSError(f"no interface holds {address}")


def _sockaddr6(address: str, port: int) -> tuple[str, int, int, int]:
    base = address.partition("%")[0]
    link_local = ipaddress.IPv6Address(base).is_link_local
    return base, port, 0, _interface_index(address) if link_local else 0


def _udp_socket6(address: str, port: int, *, reuse: bool, multicast: bool) -> socket.socket:
    """A camera's own IPv6 WS-Discovery socket; with `multicast`, Hello/Bye leave on its interface."""
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(AttributeError, OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(_sockaddr6(address, port))
    if multicast:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, _interface_index(address))
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    sock.setblocking(False)
    return sock


def _multicast_socket6(group: str, port: int, interface_address: str) -> socket.socket:
    """A socket that receives `group:port` (IPv6) on the interface that holds `interface_address`."""
    index = _interface_index(interface_address)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    with contextlib.suppress(AttributeError, OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((group, port, 0, index))
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                    socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", index))
    sock.setblocking(False)
    return sock


def _group_of(address: str) -> tuple[str, int] | tuple[str, int, int, int]:
    """Where Hello/Bye go for a camera on `address`."""
    if _is_ipv6(address):
        return WSD_GROUP6, WSD_PORT, 0, _interface_index(address)
    return WSD_GROUP, WSD_PORT


def _multicast_sender(interface_address: str, port: int) -> socket.socket:
    sock = _udp_socket((interface_address, port), reuse=True)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface_address))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    return sock


@dataclass
class _CameraState:
    cam: ResponderCamera
    unicast: asyncio.DatagramTransport | None = None
    reply: asyncio.DatagramTransport | None = None  # where ProbeMatches leave from (`reply_from`), else unicast
    ssdp_unicast: asyncio.DatagramTransport | None = None
    location: str | None = None
    message_number: int = 0
    seen: list[str] = field(default_factory=list)  # recent Probe MessageIDs (repeats are answered once)
    lost: int = 0  # ProbeMatches lost so far (ResponderCamera.lost_replies)

    def next_number(self) -> int:
        self.message_number += 1
        return self.message_number


class LabResponders:
    """Answer WS-Discovery (and, with multicast=True, mDNS and SSDP) for a set of lab cameras.

    Use as ``async with LabResponders(cameras, multicast=False): ...``. Reusable, not reentrant.
    """

    def __init__(self, cameras: list[ResponderCamera] | tuple[ResponderCamera, ...], *,
                 multicast: bool = False) -> None:
        self.cameras = list(cameras)
        self.multicast = multicast
        self.instance_id = random.randint(1, 2**31 - 1)  # WS-Discovery AppSequence InstanceId
        self._states: list[_CameraState] = []
        self._transports: list[asyncio.BaseTransport] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._zeroconfs: list[Any] = []
        self._runners: list[web.AppRunner] = []
        self._running = False
        self.probes_received = 0  # valid WS-Discovery Probes (tests wait for a scanner's Probes to be in)
        self.probe_matches_sent = 0  # ProbeMatches handed to the kernel (tests wait for a burst to be out)

    async def __aenter__(self) -> Self:
        if self._running:
            raise RuntimeError("LabResponders is already running")
        self._running = True
        try:
            await self._start()
        except BaseException:
            await self._stop(send_bye=False)
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stop(send_bye=True)

    # -- start/stop

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        by_address: dict[str, list[_CameraState]] = {}
        for cam in self.cameras:
            state = _CameraState(cam)
            self._states.append(state)
            if cam.discoverable:  # NonDiscoverable: silent to every WS-Discovery message
                by_address.setdefault(cam.address, []).append(state)
        # one socket per address: several cameras on one address (an NVR, or a lab bound to 127.0.0.1)
        # are answered from the same socket, one ProbeMatch each
        for address, states in by_address.items():
            if _is_ipv6(address):
                sock = _udp_socket6(address, WSD_PORT, reuse=self.multicast, multicast=self.multicast)
            else:
                sock = _udp_socket((address, WSD_PORT), reuse=self.multicast)
            if self.multicast and not _is_ipv6(address):
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(address))
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
            handler = functools.partial(self._on_wsd, states, multicast=False)
            transport, _ = await loop.create_datagram_endpoint(functools.partial(_Datagrams, handler), sock=sock)
            for state in states:
                state.unicast = transport
            self._transports.append(transport)
        for state in self._states:
            if state.cam.discoverable and state.cam.reply_from:
                rsock = _udp_socket6(state.cam.reply_from, 0, reuse=False, multicast=False) \
                    if _is_ipv6(state.cam.reply_from) else _udp_socket((state.cam.reply_from, 0), reuse=False)
                state.reply, _ = await loop.create_datagram_endpoint(
                    functools.partial(_Datagrams, lambda d, a: None), sock=rsock)
                self._transports.append(state.reply)
        if not self.multicast:
            return
        for address, states in by_address.items():
            if _is_ipv6(address):
                msock = _multicast_socket6(WSD_GROUP6, WSD_PORT, address)
            else:
                msock = _multicast_socket(WSD_GROUP, WSD_PORT, address)
            handler = functools.partial(self._on_wsd, states, multicast=True)
            transport, _ = await loop.create_datagram_endpoint(functools.partial(_Datagrams, handler), sock=msock)
            self._transports.append(transport)
        for state in self._states:
            if state.cam.ssdp and not _is_ipv6(state.cam.address):
                await self._start_ssdp(state)
        # zeroconf probes each name for ~1 s before announcing: register every camera at once
        await asyncio.gather(*(self._start_mdns(s.cam) for s in self._states
                               if s.cam.mdns and not _is_ipv6(s.cam.address)))
        for state in self._states:
            if state.cam.discoverable and state.unicast is not None:
                msg = hello(state.cam, instance_id=self.instance_id, message_number=state.next_number())
                state.unicast.sendto(msg, _group_of(state.cam.address))

    async def _stop(self, *, send_bye: bool) -> None:
        if send_bye and self.multicast:
            for state in self._states:
                if state.cam.discoverable and state.unicast is not None:
                    msg = bye(state.cam, instance_id=self.instance_id, message_number=state.next_number())
                    with contextlib.suppress(OSError):
                        state.unicast.sendto(msg, _group_of(state.cam.address))
            await asyncio.sleep(0.05)  # let the kernel flush the Byes before the sockets close
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for zc in self._zeroconfs:
            with contextlib.suppress(Exception):
                await zc.async_unregister_all_services()
            with contextlib.suppress(Exception):
                await zc.async_close()
        for runner in self._runners:
            await runner.cleanup()
        for transport in self._transports:
            transport.close()
        for _ in range(2):  # transports close their sockets on the next loop iterations
            await asyncio.sleep(0)
        self._zeroconfs.clear()
        self._runners.clear()
        self._transports.clear()
        self._states.clear()
        self._tasks.clear()
        self._running = False

    # -- WS-Discovery

    def _on_wsd(self, states: list[_CameraState], data: bytes, addr: tuple[str, int], *, multicast: bool) -> None:
        probe = _parse_probe(data)
        if probe is None:
            return
        self.probes_received += 1
        for state in states:
            if not matches(state.cam, probe) or probe.message_id in state.seen:
                continue  # not for this camera, or a repeat of a Probe already answered
            state.seen = [*state.seen[-63:], probe.message_id]
            if state.lost < state.cam.lost_replies:
                state.lost += 1  # answered, as far as the camera knows: a repeat of this Probe is not answered
                continue
            reply = probe_matches(state.cam, probe.message_id, instance_id=self.instance_id,
                                  message_number=state.next_number())
            if state.cam.nul_terminated:
                reply += b"\x00"
            delay = random.uniform(0, APP_MAX_DELAY) if multicast else 0.0
            self._spawn(self._send_later(state, reply, addr, delay))

    async def _send_later(self, state: _CameraState, reply: bytes, addr: tuple[str, int], delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        transport = state.reply or state.unicast
        if transport is not None and not transport.is_closing():
            transport.sendto(reply, addr)
            self.probe_matches_sent += 1

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- SSDP

    async def _start_ssdp(self, state: _CameraState) -> None:
        cam = state.cam
        app = web.Application()
        body = device_description(cam)

        async def description(_: web.Request) -> web.Response:
            return web.Response(body=body, content_type="text/xml")

        app.router.add_get("/upnp/device.xml", description)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._runners.append(runner)
        site = web.TCPSite(runner, cam.address, cam.ssdp_port)
        await site.start()
        port = runner.addresses[-1][1]
        state.location = f"http://{cam.address}:{port}/upnp/device.xml"
        loop = asyncio.get_running_loop()
        usock = _multicast_sender(cam.address, SSDP_PORT)
        utransport, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(lambda d, a: None), sock=usock)
        state.ssdp_unicast = utransport
        self._transports.append(utransport)
        msock = _multicast_socket(WSD_GROUP, SSDP_PORT, cam.address)
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(lambda d, a: self._on_msearch(state, d, a)), sock=msock)
        self._transports.append(transport)

    def _on_msearch(self, state: _CameraState, data: bytes, addr: tuple[str, int]) -> None:
        parsed = _parse_msearch(data)
        if parsed is None or state.location is None:
            return
        st, mx = parsed
        for target in _ssdp_targets(state.cam, st):
            reply = _ssdp_reply(state.cam, target, state.location)
            self._spawn(self._ssdp_send_later(state, reply, addr, random.uniform(0, min(mx, 1.0))))

    async def _ssdp_send_later(self, state: _CameraState, reply: bytes, addr: tuple[str, int],
                               delay: float) -> None:
        await asyncio.sleep(delay)
        if state.ssdp_unicast is not None and not state.ssdp_unicast.is_closing():
            state.ssdp_unicast.sendto(reply, addr)

    # -- mDNS

    async def _start_mdns(self, cam: ResponderCamera) -> None:
        from zeroconf import IPVersion
        from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

        zc = AsyncZeroconf(interfaces=[cam.address], ip_version=IPVersion.V4Only)
        self._zeroconfs.append(zc)
        mac_hex = cam.mac.replace(":", "").replace("-", "").upper()
        txt = {"macaddress": mac_hex, "manufacturer": cam.manufacturer, "model": cam.model,
               "serial": cam.serial, "uuid": cam.endpoint_uuid, "path": "/onvif/device_service"}
        types = ["_http._tcp.local.", "_rtsp._tcp.local."]
        if cam.manufacturer.lower().startswith("axis"):
            types.insert(0, "_axis-video._tcp.local.")  # what Axis cameras announce
        server = f"{cam.hostname}.local."
        instance = f"{cam.name} - {mac_hex}"[:63]
        pending = []
        for service_type in types:
            port = 554 if service_type.startswith("_rtsp") else cam.http_port
            info = AsyncServiceInfo(service_type, f"{instance}.{service_type}",
                                    addresses=[socket.inet_aton(cam.address)], port=port,
                                    properties=txt, server=server)
            # the coroutine returns a task that finishes once probing and announcing are done
            pending.append(await zc.async_register_service(info, allow_name_change=True))
        await asyncio.gather(*pending)
