"""Small UDP helpers: sockets for multicast send/listen and a size-capped datagram endpoint.

Replies to a Probe arrive in a burst (a thousand cameras answer within milliseconds of a unicast Probe, or
within APP_MAX_DELAY of a multicast one), often while the scanner's event loop is busy with the TCP sweep
or the process is descheduled on a loaded machine. So every receiving socket asks for a large kernel buffer
(SO_RCVBUFFORCE as root, else SO_RCVBUF up to net.core.rmem_max), the endpoint reads everything queued at
each wake-up (asyncio's datagram transport reads one datagram per loop iteration), and closing reads what
is still queued first: a reply that reached the socket before the deadline is always heard.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import logging
import socket
import struct
import sys
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[bytes, str], None]

RECEIVE_BUFFER = 8 << 20
"""Bytes of kernel receive buffer asked for per socket: 2,000 ProbeMatches (1,000 cameras, two device types)
take ≈ 2.3 KB each in the kernel (datagram plus overhead). Memory is taken only when datagrams wait."""

SO_RCVBUFFORCE: int | None = getattr(socket, "SO_RCVBUFFORCE", 33 if sys.platform == "linux" else None)
"""Linux's option number (asm-generic/socket.h); Python's socket module does not name it."""

READS_PER_WAKEUP = 512
"""Datagrams read per wake-up at most, so that one flooded socket cannot starve the loop."""


def set_receive_buffer(sock: socket.socket, size: int = RECEIVE_BUFFER) -> int:
    """Ask for `size` bytes of receive buffer: SO_RCVBUFFORCE (root, past net.core.rmem_max), else SO_RCVBUF
    (capped by rmem_max). Returns what the kernel granted (Linux reports twice the asked size)."""
    try:
        if SO_RCVBUFFORCE is None:
            raise PermissionError
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
    except OSError:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))


class DatagramEndpoint:
    """One UDP socket on the running loop: every datagram to `handler` (oversized ones dropped unparsed), and
    `sendto` that queues when the kernel's send buffer is full. Closing hands over what is still queued."""

    def __init__(self, sock: socket.socket, handler: Handler, *, limit: int) -> None:
        self.sock = sock
        self.handler = handler
        self.limit = limit
        self.received = 0
        self._loop = asyncio.get_running_loop()
        self._outbox: collections.deque[tuple[bytes, Any]] = collections.deque()
        self._closed = False
        sock.setblocking(False)
        self._loop.add_reader(sock.fileno(), self._read_ready)

    def _read_ready(self) -> None:
        self.read_queued(READS_PER_WAKEUP)

    def read_queued(self, most: int | None = None) -> int:
        """Hand every datagram waiting in the kernel (at most `most`) to the handler; returns how many."""
        n = 0
        while (most is None or n < most) and not self._closed:
            try:
                data, addr = self.sock.recvfrom(self.limit + 1)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:  # an ICMP error reported on the socket: nothing to read behind it
                log.debug("UDP error: %s", exc)
                break
            n += 1
            if len(data) > self.limit:
                log.debug("dropped oversized datagram from %s (limit %d)", addr[0], self.limit)
                continue
            self.received += 1
            try:
                self.handler(data, source_address(addr))
            except Exception:  # one bad datagram must not stop the reading of the others (nor the closing)
                log.warning("discovery datagram from %s not handled", addr[0], exc_info=True)
        return n

    def sendto(self, data: bytes, destination: Any) -> None:
        """Send now, or queue behind earlier datagrams when the send buffer is full (OSError: not sent)."""
        if self._closed:
            return
        if not self._outbox:
            try:
                self.sock.sendto(data, destination)
                return
            except (BlockingIOError, InterruptedError):
                self._loop.add_writer(self.sock.fileno(), self._write_ready)
        self._outbox.append((data, destination))

    def _write_ready(self) -> None:
        while self._outbox:
            data, destination = self._outbox[0]
            try:
                self.sock.sendto(data, destination)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.debug("UDP send to %s failed: %s", destination[0], exc)
            self._outbox.popleft()
        self._loop.remove_writer(self.sock.fileno())

    def get_write_buffer_size(self) -> int:
        """Bytes queued here, not yet handed to the kernel."""
        return sum(len(data) for data, _ in self._outbox)

    def is_closing(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Read what already arrived, then stop: a reply in the kernel's buffer at the deadline counts."""
        if self._closed:
            return
        self.read_queued()
        self._closed = True
        self._loop.remove_reader(self.sock.fileno())
        if self._outbox:
            self._loop.remove_writer(self.sock.fileno())
            self._outbox.clear()
        self.sock.close()


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
    set_receive_buffer(sock)
    sock.bind(bind)
    sock.setblocking(False)
    return sock


def udp_socket6() -> socket.socket:
    """An IPv6-only UDP socket on an ephemeral port (unicast Probes to IPv6 addresses)."""
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        set_receive_buffer(sock)
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
    set_receive_buffer(sock)
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
        set_receive_buffer(sock)
        sock.bind((group, port, 0, index))
        mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", index)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def open_collector(sock: socket.socket, handler: Handler, *, limit: int) -> DatagramEndpoint:
    """`sock` read and written on the running loop (async for the callers' sake: opening may need the loop)."""
    return DatagramEndpoint(sock, handler, limit=limit)
