"""free_port: a test server's port can never be handed to a client as its source port."""

from __future__ import annotations

import socket

from tests.support.ports import _ephemeral_low, free_port


def test_the_port_is_below_the_ephemeral_range_and_can_be_listened_on() -> None:
    ports = {free_port() for _ in range(20)}
    assert all(10_000 <= port < _ephemeral_low() for port in ports)
    assert len(ports) > 1  # random, so parallel test processes do not collide on one sequence
    with socket.socket() as server:
        server.bind(("127.0.0.1", ports.pop()))
        server.listen()


def test_a_client_s_source_port_comes_from_the_ephemeral_range() -> None:
    """The premise of free_port: what the kernel picks for a connect is never below the range."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", free_port()))
        server.listen()
        with socket.create_connection(server.getsockname()) as client:
            assert client.getsockname()[1] >= _ephemeral_low()
