"""Small UDP helpers: sockets for multicast send/listen and a size-capped datagram collector."""

from __future__ import annotations

import asyncio
import contextlib
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

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) > self.limit:
            log.debug("dropped %d byte datagram from %s (limit %d)", len(data), addr[0], self.limit)
            return
        self.handler(data, addr[0])

    def error_received(self, exc: Exception) -> None:
        log.debug("UDP error: %s", exc)  # ICMP unreachable for a silent host: expected


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


def multicast_sender(interface_address: str) -> socket.socket:
    """Sends to a group out of one interface only, TTL 1 (the link, never routed)."""
    sock = udp_socket((interface_address, 0))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface_address))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    return sock


def multicast_listener(group: str, port: int, interface_addresses: list[str]) -> socket.socket:
    """Receives `group:port` on the given interfaces (Hello/Bye announcements)."""
    sock = udp_socket((group, port), reuse=True)
    for address in interface_addresses:
        mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(address))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return sock


async def open_collector(sock: socket.socket, handler: Handler, *, limit: int) -> asyncio.DatagramTransport:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: Collector(handler, limit=limit), sock=sock)
    return transport
