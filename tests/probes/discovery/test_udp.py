"""The discovery datagram endpoint over real loopback sockets: what it hands over, drops and survives."""

from __future__ import annotations

import socket

from probes.discovery._udp import open_collector, udp_socket


async def test_oversized_and_unhandled_datagrams_do_not_stop_the_reading() -> None:
    handled: list[bytes] = []

    def handler(data: bytes, source: str) -> None:
        if data == b"boom":
            raise ValueError("a reply the parser did not expect")
        handled.append(data)

    endpoint = await open_collector(udp_socket(("127.0.0.1", 0)), handler, limit=100)
    port = endpoint.sock.getsockname()[1]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for data in (b"first", b"x" * 101, b"boom", b"last"):
            sender.sendto(data, ("127.0.0.1", port))
    endpoint.close()
    assert handled == [b"first", b"last"]
    assert endpoint.received == 3  # the oversized one is not counted as received
    assert endpoint.is_closing() and endpoint.sock.fileno() == -1
