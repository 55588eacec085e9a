"""Small UDP helpers: sockets for multicast send/listen and a size-capped datagram collector."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import struct
from collections.abc import Callable

log = logging.getLogger(__name__)

Handler = Callable[[bytes, str], None]


class Collector(asyncio.DatagramProtocol):
    """Hands each datagram (data, source address) to `handler`; oversized ones are dropped unparsed."""

    def __init__(self, handler: Handler, *, limit: int) -> None:
        self.handler = handler
        self.limit = limit

    def datagram_received(self, data: bytes, addr: tuple[str, int] | tuple[str, int, int, int]) -> None:
        if len(data) > self.limit:
            log.debug("dropped %d byte datagram from %s (limit %d)", len(data), addr[0], self.limit)
            return
        self.handler(data, source_address(addr))

    def error_received(self, exc: Exception) -> None:
        log.debug("UDP error: %s", exc)  # ICMP unreachable for a silent host: expected


def source_address(addr: tuple[str, int] | tuple[str, int, int, int]) -> str:
    """The sender's address; an IPv6 link-local one keeps its zone ("fe80::1%eth0") so it can be reached."""
    host = addr[0]
    if len(addr) == 4 and addr[3] and "%" not in host and ipaddress.IPv6Address(host).is_link_local:
        try:
            return f"{host}%{socket.if_indextoname(addr[3])}"
        except OSError:
            return f"{host}%{addr[3]}"
    return host


def udp_socket(bind: tuple[str, int] = ("0.0.0.0", 0), *, reuse: bool = False) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(AttributeError, OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind(bind)
    sock.setblocking(False)
    return sock


def udp_socket6() -> socket.socket:
    """An IPv6-only UDP socket on an ephemeral port (unicast Probes to IPv6 addresses)."""
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind(("::", 0))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def multicast_sender(interface_address: str) -> socket.socket:
    """Sends to a group out of one interface only, TTL 1 (the link, never routed)."""
    sock = udp_socket((interface_address, 0))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface_address))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    return sock


def multicast_sender6(interface_address: str, index: int) -> socket.socket:
    """Sends to an IPv6 group out of interface `index` only, hop limit 1 (the link, never routed).

    Bound to `interface_address` (with the interface as scope for link-local), so answers come back to it.
    """
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    link_local = ipaddress.IPv6Address(interface_address).is_link_local
    sock.bind((interface_address, 0, 0, index if link_local else 0))
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
    sock.setblocking(False)
    return sock


def multicast_listener(group: str, port: int, interface_addresses: list[str]) -> socket.socket:
    """Receives `group:port` on the given interfaces (Hello/Bye announcements)."""
    sock = udp_socket((group, port), reuse=True)
    for address in interface_addresses:
        mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(address))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return sock


def multicast_listener6(group: str, port: int, index: int) -> socket.socket:
    """Receives the IPv6 `group:port` (FF02::C Hello/Bye) on interface `index` only.

    A link-scope group is bound with its interface as scope id, so one socket listens on one interface.
    """
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(AttributeError, OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind((group, port, 0, index))
        mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", index)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def open_collector(sock: socket.socket, handler: Handler, *, limit: int) -> asyncio.DatagramTransport:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: Collector(handler, limit=limit), sock=sock)
    return transport
